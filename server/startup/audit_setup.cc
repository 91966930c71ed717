#include "server/startup/audit_setup.h"

#include <cstdlib>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "server/audit/audit_sink_spec.h"
#include "server/audit/email_pseudonymizer.h"
#include "server/common/log.h"
#include "server/crypto/email_hasher.h"
#include "server/crypto/random.h"
#include "server/secret_source/audit_key.h"

ABSL_FLAG(std::vector<std::string>, audit_sink, {"stdout"},
          "Where audit events go, comma-separated, one or several: stdout, file:PATH, "
          "syslog+udp://HOST:PORT, syslog+tcp://HOST:PORT, syslog+unix:///PATH, or none "
          "(no audit log; not for production). See docs/audit.md.");
ABSL_FLAG(std::string, audit_email, "pseudonym",
          "How audit events record the caller's email: pseudonym (HMAC-SHA256 under the audit "
          "key), plain or omit.");
ABSL_FLAG(std::string, audit_key_file, "",
          "File holding the audit key (hex, 32 bytes recommended: `openssl rand -hex 32`) that "
          "makes email pseudonyms. Default: the environment variable named by --audit_key_env.");
ABSL_FLAG(std::string, audit_key_env, identity::kDefaultAuditKeyEnv,
          "Environment variable holding the audit key when --audit_key_file is not set.");
ABSL_FLAG(int, audit_queue_size, 10000,
          "Events waiting for the audit writer, at most; beyond it events are dropped and "
          "counted (rotations are never dropped: they are written before they apply).");
ABSL_FLAG(absl::Duration, audit_syslog_send_timeout, absl::Seconds(2),
          "How long a send to a syslog sink may block (a server that stopped reading) before "
          "the sink counts as down; rotations wait this long at most for such a sink.");
ABSL_FLAG(absl::Duration, audit_drop_report_interval, absl::Minutes(1),
          "How often the audit log reports dropped events (when there were any).");
ABSL_FLAG(absl::Duration, audit_refusal_summary_interval, absl::Minutes(1),
          "Calls refused before their request is read (over the rate limit, no usable client "
          "identity) are recorded as the first one per caller in each interval of this length "
          "plus one rpc_refused_summary line per caller counting the rest, so that a flood "
          "cannot fill the disk. 0: one line per refused call.");

namespace identity {
namespace {

absl::StatusOr<audit::EmailPseudonymizer> PseudonymizerFromFlags() {
  absl::StatusOr<audit::EmailMode> mode = audit::ParseEmailMode(absl::GetFlag(FLAGS_audit_email));
  if (!mode.ok()) return mode.status();
  if (*mode == audit::EmailMode::kPlain) return audit::EmailPseudonymizer::Plain();
  if (*mode == audit::EmailMode::kOmit) return audit::EmailPseudonymizer::Omit();

  const std::string file = absl::GetFlag(FLAGS_audit_key_file);
  const std::string env = absl::GetFlag(FLAGS_audit_key_env);
  absl::StatusOr<crypto::EmailHasher> keyed = secret_source::ReadAuditKey(file, env);
  if (!keyed.ok()) {
    // A variable named on purpose must hold the key: falling back to a
    // random key would quietly make pseudonyms unsearchable.
    // (Abseil here cannot tell whether a flag was given, only its value.)
    const bool env_named = env != kDefaultAuditKeyEnv;
    if (!file.empty() || !absl::IsNotFound(keyed.status()) || env_named) {
      return absl::InvalidArgumentError(absl::StrCat(
          file.empty() ? "--audit_key_env: " : "--audit_key_file: ", keyed.status().message()));
    }
    // No key anywhere: pseudonyms under a key nobody keeps still hide the
    // addresses, but cannot be searched. Say so.
    LogWarning(absl::StrCat("audit: no audit key (--audit_key_file or ", env,
                            "); email pseudonyms use a random key for this run only and "
                            "cannot be matched later"));
    absl::StatusOr<crypto::SecretBytes> random = crypto::RandomSecretBytes(32);
    if (!random.ok()) return random.status();
    absl::StatusOr<crypto::EmailHasher> hasher = crypto::EmailHasher::FromKey(*random);
    if (!hasher.ok()) return hasher.status();
    return audit::EmailPseudonymizer::Pseudonym(*std::move(hasher));
  }
  return audit::EmailPseudonymizer::Pseudonym(*std::move(keyed));
}

}  // namespace

absl::StatusOr<std::unique_ptr<audit::AuditLog>> AuditLogFromFlags() {
  const std::vector<std::string> specs = absl::GetFlag(FLAGS_audit_sink);
  if (specs.empty()) {
    return absl::InvalidArgumentError("--audit_sink: name at least one sink, or none");
  }
  if (specs.size() == 1 && specs[0] == "none") {
    LogWarning("audit: --audit_sink=none; calls are not audited");
    return std::unique_ptr<audit::AuditLog>();
  }
  const absl::Duration send_timeout = absl::GetFlag(FLAGS_audit_syslog_send_timeout);
  if (send_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--audit_syslog_send_timeout: must be positive");
  }
  std::vector<std::unique_ptr<audit::AuditSink>> sinks;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    const std::string& spec = specs[i];
    for (std::size_t j = 0; j < i; ++j) {
      if (specs[j] == spec) {
        return absl::InvalidArgumentError(
            absl::StrCat("--audit_sink: \"", spec, "\" is named twice"));
      }
    }
    if (spec == "none") return absl::InvalidArgumentError("--audit_sink: none cannot be combined with sinks");
    absl::StatusOr<std::unique_ptr<audit::AuditSink>> sink =
        audit::OpenAuditSink(spec, send_timeout);
    if (!sink.ok()) return sink.status();
    sinks.push_back(*std::move(sink));
  }
  absl::StatusOr<audit::EmailPseudonymizer> emails = PseudonymizerFromFlags();
  if (!emails.ok()) return emails.status();

  audit::AuditLog::Options options;
  const int queue_size = absl::GetFlag(FLAGS_audit_queue_size);
  if (queue_size < 1) return absl::InvalidArgumentError("--audit_queue_size: must be at least 1");
  options.queue_capacity = static_cast<std::size_t>(queue_size);
  options.drop_report_interval = absl::GetFlag(FLAGS_audit_drop_report_interval);
  if (options.drop_report_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--audit_drop_report_interval: must be positive");
  }
  options.refusal_summary_interval = absl::GetFlag(FLAGS_audit_refusal_summary_interval);
  if (options.refusal_summary_interval < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--audit_refusal_summary_interval: must be >= 0");
  }
  LogInfo(absl::StrCat("audit: events to ", absl::StrJoin(specs, ", "), " (emails as ",
                       audit::EmailModeName(emails->mode()), ")"));
  return std::make_unique<audit::AuditLog>(std::move(sinks), *std::move(emails), options);
}

}  // namespace identity
