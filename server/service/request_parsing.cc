#include "server/service/request_parsing.h"

#include <optional>

#include "google/protobuf/unknown_field_set.h"
#include "server/crypto/utf8.h"

namespace identity::service {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::UnknownField;
using google::protobuf::UnknownFieldSet;

// Protobuf refuses a whole message for a string field that is not UTF-8 and
// says which only in its log. This walks the raw fields (parsed without any
// UTF-8 check) to name it: the first string field of `type`, at any depth,
// whose bytes are not UTF-8, as "outer.inner".
std::optional<std::string> FirstNonUtf8StringField(const UnknownFieldSet& fields,
                                                   const Descriptor& type, int depth) {
  if (depth > 8) return std::nullopt;  // requests are two levels deep at most
  for (int i = 0; i < fields.field_count(); ++i) {
    const UnknownField& raw = fields.field(i);
    if (raw.type() != UnknownField::TYPE_LENGTH_DELIMITED) continue;
    const FieldDescriptor* field = type.FindFieldByNumber(raw.number());
    if (field == nullptr) continue;
    if (field->type() == FieldDescriptor::TYPE_STRING) {
      if (!crypto::IsValidUtf8(raw.length_delimited())) return field->name();
    } else if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
      UnknownFieldSet inner;
      if (!inner.ParseFromString(raw.length_delimited())) continue;
      if (std::optional<std::string> name =
              FirstNonUtf8StringField(inner, *field->message_type(), depth + 1)) {
        return absl::StrCat(field->name(), ".", *name);
      }
    }
  }
  return std::nullopt;
}

}  // namespace

absl::Status ExplainUnparseableRequest(const grpc::ByteBuffer& bytes, const Descriptor& type) {
  grpc::Slice flat;
  UnknownFieldSet fields;
  if (bytes.DumpToSingleSlice(&flat).ok() &&
      fields.ParseFromArray(flat.begin(), static_cast<int>(flat.size()))) {
    if (std::optional<std::string> field = FirstNonUtf8StringField(fields, type, 0)) {
      return absl::InvalidArgumentError(absl::StrCat(*field, ": must be valid UTF-8"));
    }
  }
  return absl::InvalidArgumentError(absl::StrCat("request: not a valid ", type.full_name(),
                                                 " message (truncated or not protobuf)"));
}

}  // namespace identity::service
