// Fuzzes the --audit_sink value parser (audit::ParseAuditSinkSpec). Only the
// parser: opening the sink would create files and resolve host names.
//
// Properties, beyond "no crash, no sanitizer report":
//  * a refusal is INVALID_ARGUMENT "--audit_sink: "VALUE": why";
//  * a spec that parses has the fields it says, and they rebuild it: "stdout"
//    alone; "file:" and a non-empty path; a syslog scheme and either an
//    absolute path (unix) or a non-empty host (bracketed in the value if it
//    was) and a port in 1..65535 that the text after the last ':' spells;
//    the timeouts keep their defaults.

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "server/audit/audit_sink_spec.h"
#include "server/audit/syslog_sink.h"
#include "tests/fuzz/fuzz_support.h"

namespace identity::fuzz {
namespace {

using audit::AuditSinkSpec;
using audit::SyslogSink;
using audit::SyslogTransport;

void CheckSyslog(absl::string_view spec, const SyslogSink::Options& options) {
  const SyslogSink::Options defaults;
  FUZZ_CHECK(options.connect_timeout == defaults.connect_timeout &&
                 options.send_timeout == defaults.send_timeout &&
                 options.retry_backoff == defaults.retry_backoff,
             "the value set a timeout");
  if (options.transport == SyslogTransport::kUnix) {
    FUZZ_CHECK(absl::StartsWith(options.path, "/"), absl::CEscape(spec));
    FUZZ_CHECK(spec == absl::StrCat("syslog+unix://", options.path), absl::CEscape(spec));
    FUZZ_CHECK(options.host.empty() && options.port == 0, absl::CEscape(spec));
    return;
  }
  const absl::string_view scheme =
      options.transport == SyslogTransport::kUdp ? "syslog+udp://" : "syslog+tcp://";
  FUZZ_CHECK(options.path.empty(), absl::CEscape(spec));
  FUZZ_CHECK(!options.host.empty(), absl::CEscape(spec));
  FUZZ_CHECK(options.port >= 1 && options.port <= 65535, absl::CEscape(spec));
  const std::size_t colon = spec.rfind(':');
  int port = 0;
  FUZZ_CHECK(absl::SimpleAtoi(spec.substr(colon + 1), &port) && port == options.port,
             absl::CEscape(spec));
  const absl::string_view host_part = spec.substr(0, colon);
  FUZZ_CHECK(host_part == absl::StrCat(scheme, options.host) ||
                 host_part == absl::StrCat(scheme, "[", options.host, "]"),
             absl::CEscape(spec));
}

void Check(absl::string_view spec) {
  const absl::StatusOr<AuditSinkSpec> parsed = audit::ParseAuditSinkSpec(spec);
  if (!parsed.ok()) {
    FUZZ_CHECK(parsed.status().code() == absl::StatusCode::kInvalidArgument,
               parsed.status().ToString());
    FUZZ_CHECK(absl::StartsWith(parsed.status().message(),
                                absl::StrCat("--audit_sink: \"", spec, "\": ")),
               parsed.status().ToString());
    return;
  }
  switch (parsed->type) {
    case AuditSinkSpec::Type::kStdout:
      FUZZ_CHECK(spec == "stdout", absl::CEscape(spec));
      break;
    case AuditSinkSpec::Type::kFile:
      FUZZ_CHECK(!parsed->file_path.empty(), absl::CEscape(spec));
      FUZZ_CHECK(spec == absl::StrCat("file:", parsed->file_path), absl::CEscape(spec));
      break;
    case AuditSinkSpec::Type::kSyslog:
      CheckSyslog(spec, parsed->syslog);
      break;
  }
}

}  // namespace
}  // namespace identity::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  identity::fuzz::Check(identity::fuzz::AsView(data, size));
  return 0;
}
