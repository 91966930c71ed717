#include "server/audit/audit_event_json.h"

#include "absl/strings/str_cat.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "server/crypto/utf8.h"

namespace identity::audit {
namespace {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void Key(JsonWriter& w, absl::string_view key) {
  w.Key(key.data(), static_cast<rapidjson::SizeType>(key.size()));
}

void String(JsonWriter& w, absl::string_view value) {
  w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

// Request-supplied text, made safe to record: at most kMaxRecordedTextBytes
// (cut at a character boundary, marked), and valid UTF-8 or a placeholder.
// (RapidJSON's writer escapes quotes and control characters itself.)
void RequestText(JsonWriter& w, absl::string_view text) {
  if (!crypto::IsValidUtf8(text)) {
    String(w, absl::StrCat("<invalid UTF-8, ", text.size(), " bytes>"));
    return;
  }
  if (text.size() <= kMaxRecordedTextBytes) {
    String(w, text);
    return;
  }
  std::size_t cut = kMaxRecordedTextBytes;
  // Back off over continuation bytes (10xxxxxx) to a character's first byte.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) --cut;
  String(w, absl::StrCat(text.substr(0, cut), "...[", text.size(), " bytes]"));
}

// The caller, as "call" and "rpc_refused_summary" lines both record it.
void Caller(JsonWriter& w, absl::string_view principal, absl::string_view principal_source) {
  Key(w, "principal");
  RequestText(w, principal);  // a certificate's text: checked like the request's
  Key(w, "principal_source");
  String(w, principal_source);
}

void Common(JsonWriter& w, absl::Time time, absl::string_view type) {
  Key(w, "time");
  String(w, FormatAuditTime(time));
  Key(w, "type");
  String(w, type);
  Key(w, "schema_version");
  w.Int(kAuditSchemaVersion);
}

}  // namespace

std::string FormatAuditTime(absl::Time time) {
  // absl::FormatTime costs ~180 ns; events come many per second, so the
  // "YYYY-MM-DDTHH:MM:SS" part is formatted once per second per thread and
  // the milliseconds appended by hand.
  thread_local std::int64_t cached_second = -1;
  thread_local std::string cached_prefix;
  const std::int64_t second = absl::ToUnixSeconds(time);
  const std::int64_t millis = absl::ToUnixMillis(time) - second * 1000;
  if (second != cached_second || time < absl::FromUnixSeconds(second)) {
    cached_prefix = absl::FormatTime("%Y-%m-%dT%H:%M:%S", absl::FromUnixSeconds(second),
                                     absl::UTCTimeZone());
    cached_second = second;
  }
  std::string out = cached_prefix;
  out.push_back('.');
  out.push_back(static_cast<char>('0' + millis / 100));
  out.push_back(static_cast<char>('0' + millis / 10 % 10));
  out.push_back(static_cast<char>('0' + millis % 10));
  out.push_back('Z');
  return out;
}

std::string AuditEventToJson(const AuditEvent& event, const EmailPseudonymizer& emails) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  Common(w, event.time, "call");
  Key(w, "event_id");
  String(w, event.event_id.empty() ? NewRandomId() : event.event_id);
  Key(w, "request_id");
  String(w, event.request_id);
  Key(w, "rpc");
  String(w, event.rpc);
  Caller(w, event.principal, event.principal_source);
  Key(w, "peer");
  RequestText(w, event.peer);
  Key(w, "app_id");
  RequestText(w, event.app_id);
  if (event.kind.has_value()) {
    Key(w, "kind");
    String(w, *event.kind);
  }
  if (event.version.has_value()) {
    Key(w, "version");
    w.Uint64(*event.version);
  }
  Key(w, "outcome");
  String(w, event.outcome);
  Key(w, "reason");
  RequestText(w, event.reason);
  Key(w, "latency_us");
  w.Int64(event.latency_us);
  if (event.email.has_value()) {
    if (std::optional<std::string> rendered = emails.Render(*event.email)) {
      if (emails.mode() == EmailMode::kPseudonym) {
        Key(w, "email_hmac");
        String(w, *rendered);
      } else {
        Key(w, "email");
        RequestText(w, *rendered);
      }
    }
  }
  if (event.token.has_value()) {
    Key(w, "token");
    w.StartObject();
    Key(w, "exp");
    w.Int64(event.token->expires_at);
    Key(w, "fingerprint");
    String(w, event.token->fingerprint);
    w.EndObject();
  }
  if (event.batch.has_value()) {
    Key(w, "batch");
    w.StartObject();
    Key(w, "emails");
    w.Uint64(event.batch->emails);
    Key(w, "hashed");
    w.Uint64(event.batch->hashed);
    if (event.batch->digest.has_value()) {
      Key(w, emails.mode() == EmailMode::kPseudonym ? "email_hmacs_sha256" : "emails_sha256");
      String(w, *event.batch->digest);
    }
    w.EndObject();
  }
  if (event.rotation.has_value()) {
    Key(w, "rotation");
    w.StartObject();
    Key(w, "old_version");
    w.Uint64(event.rotation->old_version);
    Key(w, "new_version");
    w.Uint64(event.rotation->new_version);
    Key(w, "fingerprint");
    String(w, event.rotation->fingerprint);
    Key(w, "source");
    String(w, event.rotation->generated ? "generated" : "imported");
    w.EndObject();
  }
  if (event.verdict.has_value()) {
    Key(w, "verdict");
    String(w, *event.verdict);
  }
  if (!event.supersedes.empty()) {
    Key(w, "supersedes");
    String(w, event.supersedes);
  }
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string DropReportToJson(absl::Time time, std::uint64_t dropped_total,
                             std::uint64_t dropped_since_last_report,
                             const std::vector<SinkLoss>& undelivered, bool final) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  Common(w, time, "audit_drops");
  Key(w, "event_id");
  String(w, NewRandomId());
  Key(w, "dropped_total");
  w.Uint64(dropped_total);
  Key(w, "dropped_since_last_report");
  w.Uint64(dropped_since_last_report);
  Key(w, "undelivered_by_sink");
  w.StartObject();
  for (const SinkLoss& loss : undelivered) {
    Key(w, loss.sink);
    w.Uint64(loss.undelivered);
  }
  w.EndObject();
  Key(w, "final");
  w.Bool(final);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string RefusalSummaryToJson(const RefusalSummary& summary, bool final) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  Common(w, summary.interval_end, "rpc_refused_summary");
  Key(w, "event_id");
  String(w, NewRandomId());
  if (!summary.overflow) Caller(w, summary.principal, summary.principal_source);
  Key(w, "outcome");
  String(w, summary.outcome);
  Key(w, "count");
  w.Uint64(summary.count);
  Key(w, "rpcs");
  w.StartObject();
  for (const auto& [rpc, count] : summary.rpcs) {
    Key(w, rpc);
    w.Uint64(count);
  }
  w.EndObject();
  Key(w, "interval_start");
  String(w, FormatAuditTime(summary.interval_start));
  Key(w, "interval_end");
  String(w, FormatAuditTime(summary.interval_end));
  Key(w, "overflow");
  w.Bool(summary.overflow);
  Key(w, "final");
  w.Bool(final);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace identity::audit
