#include "server/store/etcd/etcd_widget_value.h"

#include <cstdint>
#include <utility>

#include "server/store/internal/byte_codec.h"

namespace identity::store::etcd {
namespace {

constexpr absl::string_view kMagic = "IDETCDWV";
constexpr std::uint16_t kFormat = 1;

}  // namespace

std::string EncodeEtcdWidgetValue(absl::string_view rotation_id,
                                  const WidgetFileContents& contents) {
  std::string out;
  internal::ByteWriter w(out);
  w.Bytes(kMagic);
  w.U16(kFormat);
  w.Bytes(rotation_id);
  w.Bytes(EncodeWidgetFile(contents));
  internal::AppendChecksum(out);
  return out;
}

absl::StatusOr<EtcdWidgetValue> DecodeEtcdWidgetValue(absl::string_view bytes) {
  absl::StatusOr<absl::string_view> body =
      internal::OpenStateFile(bytes, kMagic, kFormat, "etcd widget value");
  if (!body.ok()) return body.status();
  internal::ByteReader r(*body);
  absl::string_view rotation_id;
  if (!r.Bytes(kRotationIdSize, rotation_id)) {
    return absl::DataLossError("corrupted: rotation id cut short");
  }
  absl::string_view widget_file = body->substr(kRotationIdSize);
  absl::StatusOr<WidgetFileContents> contents = DecodeWidgetFile(widget_file);
  if (!contents.ok()) return contents.status();
  return EtcdWidgetValue{std::string(rotation_id), *std::move(contents)};
}

}  // namespace identity::store::etcd
