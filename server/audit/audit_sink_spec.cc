#include "server/audit/audit_sink_spec.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "server/audit/file_sink.h"
#include "server/audit/stdout_sink.h"

namespace identity::audit {
namespace {

absl::Status Malformed(absl::string_view spec, absl::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("--audit_sink: \"", spec, "\": ", why));
}

// "HOST:PORT" or "[V6]:PORT".
absl::Status ParseHostPort(absl::string_view spec, absl::string_view text,
                           SyslogSink::Options& options) {
  const std::size_t colon = text.rfind(':');
  if (colon == absl::string_view::npos || colon == 0) {
    return Malformed(spec, "expected HOST:PORT after the scheme");
  }
  absl::string_view host = text.substr(0, colon);
  if (absl::ConsumePrefix(&host, "[") && !absl::ConsumeSuffix(&host, "]")) {
    return Malformed(spec, "an IPv6 address needs its closing ']'");
  }
  int port = 0;
  if (!absl::SimpleAtoi(text.substr(colon + 1), &port) || port < 1 || port > 65535) {
    return Malformed(spec, "the port must be 1..65535");
  }
  if (host.empty()) return Malformed(spec, "the host is empty");
  options.host = std::string(host);
  options.port = port;
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<AuditSinkSpec> ParseAuditSinkSpec(absl::string_view spec) {
  AuditSinkSpec parsed;
  if (spec == "stdout") return parsed;
  absl::string_view rest = spec;
  if (absl::ConsumePrefix(&rest, "file:")) {
    if (rest.empty()) return Malformed(spec, "the file path is empty");
    parsed.type = AuditSinkSpec::Type::kFile;
    parsed.file_path = std::string(rest);
    return parsed;
  }
  parsed.type = AuditSinkSpec::Type::kSyslog;
  SyslogSink::Options& options = parsed.syslog;
  if (absl::ConsumePrefix(&rest, "syslog+udp://")) {
    options.transport = SyslogTransport::kUdp;
    if (absl::Status s = ParseHostPort(spec, rest, options); !s.ok()) return s;
  } else if (absl::ConsumePrefix(&rest, "syslog+tcp://")) {
    options.transport = SyslogTransport::kTcp;
    if (absl::Status s = ParseHostPort(spec, rest, options); !s.ok()) return s;
  } else if (absl::ConsumePrefix(&rest, "syslog+unix://")) {
    options.transport = SyslogTransport::kUnix;
    if (!absl::StartsWith(rest, "/")) return Malformed(spec, "expected syslog+unix:///PATH");
    options.path = std::string(rest);
  } else {
    return Malformed(spec,
                     "expected stdout, file:PATH, syslog+udp://HOST:PORT, "
                     "syslog+tcp://HOST:PORT or syslog+unix:///PATH");
  }
  return parsed;
}

absl::StatusOr<std::unique_ptr<AuditSink>> OpenAuditSink(absl::string_view spec,
                                                         absl::Duration syslog_send_timeout) {
  absl::StatusOr<AuditSinkSpec> parsed = ParseAuditSinkSpec(spec);
  if (!parsed.ok()) return parsed.status();
  switch (parsed->type) {
    case AuditSinkSpec::Type::kStdout:
      return std::make_unique<StdoutSink>();
    case AuditSinkSpec::Type::kFile: {
      absl::StatusOr<std::unique_ptr<FileSink>> sink = FileSink::Open(parsed->file_path);
      if (!sink.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("--audit_sink: ", sink.status().message()));
      }
      return std::unique_ptr<AuditSink>(*std::move(sink));
    }
    case AuditSinkSpec::Type::kSyslog:
      break;
  }
  SyslogSink::Options options = std::move(parsed->syslog);
  options.send_timeout = syslog_send_timeout;
  absl::StatusOr<std::unique_ptr<SyslogSink>> sink =
      SyslogSink::Create(std::string(spec), std::move(options));
  if (!sink.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--audit_sink: ", sink.status().message()));
  }
  return std::unique_ptr<AuditSink>(*std::move(sink));
}

}  // namespace identity::audit
