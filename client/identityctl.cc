// identityctl: the operators' command line for identityd.
//
//   identityctl --target=HOST:PORT (--ca=F --cert=F --key=F | --insecure)
//               [--output=text|json] COMMAND ...
//     hash APP_ID EMAIL
//     hashes APP_ID     (emails on stdin, one per line: at most 1,000, one call)
//     token APP_ID EMAIL [--ttl=SECONDS] [--name=..] [--account_id=..]
//           [--account_external_id=..] [--contact_id=..] [--contact_external_id=..]
//     rotate APP_ID --kind=email_hash|jwt (--generate | --secret_file=FILE | secret on stdin)
//           [--expected_version=N]
//     widget APP_ID     (versions, fingerprints, times; never secrets)
//     widgets           (every widget, one line per secret kind)
//     verify-hash APP_ID EMAIL HASH   (which kept secret version made HASH)
//     verify-token APP_ID JWT|-       (why the widget refuses JWT; "-": from stdin)
//   identityctl [--audit_key_file=FILE] audit-hash EMAIL|-   ("-": the email from stdin)
//                       (the email's pseudonym in identityd's audit log; local,
//                        no server: the key from FILE or $IDENTITYD_AUDIT_KEY)
//
// Exit status: 0 success; 1 the call failed (gRPC status code name and message
// on stderr), or some email of `hashes` was not hashed; 2 usage error.

#include <google/protobuf/util/json_util.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "client/identity_client.h"
#include "client/secret_input.h"
#include "server/secret_source/audit_key.h"

ABSL_FLAG(std::string, target, "", "identityd address, HOST:PORT (required).");
ABSL_FLAG(std::string, ca, "",
          "Mutual TLS: PEM file with the CA certificate(s) identityd's certificate must chain to.");
ABSL_FLAG(std::string, cert, "",
          "Mutual TLS: PEM file with this client's certificate; its URI SAN (else first DNS SAN, "
          "else CN) is the principal identityd authorizes.");
ABSL_FLAG(std::string, key, "", "Mutual TLS: PEM file with the private key of --cert.");
ABSL_FLAG(std::string, tls_server_name, "",
          "Mutual TLS: the name identityd's certificate must carry, if not --target's host.");
ABSL_FLAG(bool, insecure, false,
          "Plain-text gRPC, for a development server started with --insecure_loopback.");
ABSL_FLAG(std::string, output, "text", "Output format: text (key: value lines) or json "
          "(the response message as proto JSON, for scripts).");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(5), "Deadline of the call.");
ABSL_FLAG(std::string, lb_policy, "",
          "pick_first (the default) or round_robin: with a --target that resolves to several "
          "replicas (dns:///NAME:PORT, ipv4:ADDR:PORT,ADDR:PORT), spread calls over all.");
ABSL_FLAG(std::optional<int64_t>, ttl, std::nullopt,
          "token: lifetime in seconds, 1..900 (server default 600).");
ABSL_FLAG(std::optional<std::string>, name, std::nullopt, "token: the name claim.");
ABSL_FLAG(std::optional<std::string>, account_id, std::nullopt, "token: the account_id claim.");
ABSL_FLAG(std::optional<std::string>, account_external_id, std::nullopt,
          "token: the account_external_id claim.");
ABSL_FLAG(std::optional<std::string>, contact_id, std::nullopt, "token: the contact_id claim.");
ABSL_FLAG(std::optional<std::string>, contact_external_id, std::nullopt,
          "token: the contact_external_id claim.");
ABSL_FLAG(std::string, kind, "", "rotate: email_hash or jwt.");
ABSL_FLAG(bool, generate, false,
          "rotate: let identityd generate the secret; it is printed once.");
ABSL_FLAG(std::string, secret_file, "",
          "rotate: read the new secret from this file (default: stdin; never from argv).");
ABSL_FLAG(std::string, audit_key_file, "",
          "audit-hash: file holding identityd's audit key (default: the variable named by "
          "--audit_key_env).");
ABSL_FLAG(std::string, audit_key_env, "IDENTITYD_AUDIT_KEY",
          "audit-hash: environment variable holding the audit key when --audit_key_file is "
          "not set (as identityd's flag of the same name).");
ABSL_FLAG(std::optional<uint64_t>, expected_version, std::nullopt,
          "rotate: only rotate if the current version is N (0: none yet).");

namespace identity::client {
namespace {

constexpr int kExitRpcError = 1;
constexpr int kExitUsage = 2;

int Usage(absl::string_view message) {
  std::cerr << "identityctl: " << message << "\nRun identityctl --help for usage.\n";
  return kExitUsage;
}

// Prints a failed call: "NOT_FOUND: app_id: no widget ...".
int RpcError(const absl::Status& status) {
  std::cerr << "identityctl: " << absl::StatusCodeToString(status.code()) << ": "
            << status.message() << "\n";
  if (absl::IsUnavailable(status) && absl::StrContains(status.message(), "failed to connect")) {
    // A refused TLS handshake reaches a gRPC client only as "failed to connect
    // ... Socket closed" (an UNAVAILABLE from identityd itself, e.g. for a
    // rotation it could not store, has its own message): say what to check.
    std::cerr << "identityctl: identityd is unreachable, or it refused this connection: it "
                 "accepts only a client certificate from its client CA (--cert, --key), "
                 "and plain text (--insecure) only when started with --insecure_loopback\n";
  }
  return kExitRpcError;
}

// absl::ParseCommandLine() ends the process itself, with status 1, both after
// printing --help and on a bad flag (unknown, or a value that does not parse).
// Here 1 means "the call failed", so an exit during flag parsing is mapped to
// 0 after help and to kExitUsage otherwise (an atexit handler: the only hook
// absl 20220623 leaves).
bool parsing_flags = false;
bool help_requested = false;

void MapFlagParsingExit() {
  if (!parsing_flags) return;
  std::fflush(nullptr);
  std::cout.flush();
  std::_Exit(help_requested ? 0 : kExitUsage);
}

// Whether argv asks for one of absl's help or version outputs.
bool HelpRequested(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    absl::string_view arg = argv[i];
    if (arg == "--") break;
    if (!absl::ConsumePrefix(&arg, "--")) (void)absl::ConsumePrefix(&arg, "-");
    arg = arg.substr(0, arg.find('='));
    if (arg == "help" || arg == "helpfull" || arg == "helpshort" || arg == "helppackage" ||
        arg == "helpon" || arg == "helpmatch" || arg == "version" || arg == "only_check_args") {
      return true;
    }
  }
  return false;
}

bool JsonOutput() { return absl::GetFlag(FLAGS_output) == "json"; }

void PrintJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  std::string json;
  // Cannot fail for these messages (no Any fields).
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  std::cout << json << "\n";
}

int Hash(const IdentityClient& client, const std::vector<char*>& args) {
  if (args.size() != 3) return Usage("hash takes APP_ID EMAIL");
  absl::StatusOr<v1::IssueEmailHashResponse> r = client.IssueEmailHash(args[1], args[2]);
  if (!r.ok()) return RpcError(r.status());
  if (JsonOutput()) {
    PrintJson(*r);
  } else {
    std::cout << "email_hash: " << r->email_hash() << "\nsecret_version: " << r->secret_version()
              << "\n";
  }
  return 0;
}

// hashes APP_ID: the emails on stdin, one per line and each taken exactly as
// given (only the line break is removed), in one IssueEmailHashes call.
// Text output is one line per email, in order (its hash, or "error: " and
// the message naming emails[i], i counted from 0), so that it pastes beside
// the input; the secret version goes to stderr.
int Hashes(const IdentityClient& client, const std::vector<char*>& args) {
  if (args.size() != 2) return Usage("hashes takes APP_ID (and the emails on stdin)");
  std::vector<std::string> emails;
  for (std::string line; std::getline(std::cin, line);) emails.push_back(std::move(line));
  absl::StatusOr<v1::IssueEmailHashesResponse> r = client.IssueEmailHashes(args[1], emails);
  if (!r.ok()) return RpcError(r.status());
  int not_hashed = 0;
  for (const v1::EmailHashResult& result : r->results()) not_hashed += result.has_error();
  if (JsonOutput()) {
    PrintJson(*r);
  } else {
    for (const v1::EmailHashResult& result : r->results()) {
      if (result.has_error()) {
        std::cout << "error: " << result.error().message() << "\n";
      } else {
        std::cout << result.email_hash() << "\n";
      }
    }
    std::cerr << "identityctl: secret_version " << r->secret_version() << "\n";
  }
  if (not_hashed > 0) {
    std::cerr << "identityctl: " << not_hashed << " of " << r->results_size()
              << " emails were not hashed (see the error results)\n";
    return kExitRpcError;
  }
  return 0;
}

int Token(const IdentityClient& client, const std::vector<char*>& args) {
  if (args.size() != 3) return Usage("token takes APP_ID EMAIL");
  v1::IssueWidgetTokenRequest request;
  request.set_app_id(args[1]);
  request.set_email(args[2]);
  if (auto v = absl::GetFlag(FLAGS_name)) request.set_name(*v);
  if (auto v = absl::GetFlag(FLAGS_account_id)) request.set_account_id(*v);
  if (auto v = absl::GetFlag(FLAGS_account_external_id)) request.set_account_external_id(*v);
  if (auto v = absl::GetFlag(FLAGS_contact_id)) request.set_contact_id(*v);
  if (auto v = absl::GetFlag(FLAGS_contact_external_id)) request.set_contact_external_id(*v);
  if (auto ttl = absl::GetFlag(FLAGS_ttl)) request.mutable_ttl()->set_seconds(*ttl);
  absl::StatusOr<v1::IssueWidgetTokenResponse> r = client.IssueWidgetToken(request);
  if (!r.ok()) return RpcError(r.status());
  if (JsonOutput()) {
    PrintJson(*r);
  } else {
    std::cout << "jwt: " << r->jwt() << "\nexpires_at: "
              // RFC 3339 with "Z", as in the README and as proto JSON prints a
              // Timestamp (absl::RFC3339_sec would print "+00:00").
              << absl::FormatTime("%Y-%m-%d%ET%H:%M:%SZ",
                                  absl::FromUnixSeconds(r->expires_at().seconds()),
                                  absl::UTCTimeZone())
              << "\nsecret_version: " << r->secret_version() << "\n";
  }
  return 0;
}

int Rotate(const IdentityClient& client, const std::vector<char*>& args) {
  if (args.size() != 2) return Usage("rotate takes APP_ID (and --kind, and a secret source)");
  v1::RotateSecretRequest request;
  request.set_app_id(args[1]);
  const std::string kind = absl::GetFlag(FLAGS_kind);
  if (kind == "email_hash") {
    request.set_kind(v1::SECRET_KIND_EMAIL_HASH);
  } else if (kind == "jwt") {
    request.set_kind(v1::SECRET_KIND_JWT);
  } else {
    return Usage("rotate needs --kind=email_hash or --kind=jwt");
  }
  const bool generate = absl::GetFlag(FLAGS_generate);
  const std::string secret_file = absl::GetFlag(FLAGS_secret_file);
  if (generate && !secret_file.empty()) return Usage("use either --generate or --secret_file");
  if (generate) {
    request.set_generate(true);
  } else {
    absl::StatusOr<std::string> secret = ReadSecretInput(secret_file.empty() ? "-" : secret_file);
    if (!secret.ok()) return Usage(secret.status().message());
    request.set_secret(*secret);
    CleanseString(*secret);
  }
  if (auto v = absl::GetFlag(FLAGS_expected_version)) request.set_expected_version(*v);

  absl::StatusOr<v1::RotateSecretResponse> r = client.RotateSecret(request);
  if (request.has_secret()) CleanseString(*request.mutable_secret());
  if (!r.ok()) return RpcError(r.status());
  if (JsonOutput()) {
    PrintJson(*r);
  } else {
    std::cout << "version: " << r->version() << "\nfingerprint: " << r->fingerprint() << "\n";
    if (!r->generated_secret().empty()) {
      std::cout << "generated_secret: " << r->generated_secret() << "\n";
    }
  }
  if (!r->generated_secret().empty()) {
    std::cerr << "identityctl: the generated secret is shown only this once: enter it in the "
                 "widget's settings now.\n";
    CleanseString(*r->mutable_generated_secret());
  }
  return 0;
}

std::string FormatTime(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ",
                          absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos()),
                          absl::UTCTimeZone());
}

// Whole seconds, RFC 3339 with "Z".
std::string FormatSeconds(const google::protobuf::Timestamp& t) {
  return absl::FormatTime("%Y-%m-%d%ET%H:%M:%SZ", absl::FromUnixSeconds(t.seconds()),
                          absl::UTCTimeZone());
}

std::string KindName(v1::SecretKind kind) {
  switch (kind) {
    case v1::SECRET_KIND_EMAIL_HASH:
      return "email_hash";
    case v1::SECRET_KIND_JWT:
      return "jwt";
    default:
      return "unknown";
  }
}

std::string DescribeVersion(const v1::SecretVersionInfo& v) {
  return absl::StrCat("version ", v.version(), "  fingerprint ", v.fingerprint(), "  created ",
                      FormatTime(v.create_time()));
}

int Widget(const IdentityClient& client, const std::vector<char*>& args) {
  if (args.size() != 2) return Usage("widget takes APP_ID");
  absl::StatusOr<v1::GetWidgetResponse> r = client.GetWidget(args[1]);
  if (!r.ok()) return RpcError(r.status());
  if (JsonOutput()) {
    PrintJson(*r);
    return 0;
  }
  std::cout << "app_id: " << r->widget().app_id() << "\n";
  if (r->widget().secrets().empty()) std::cout << "secrets: none\n";
  for (const v1::WidgetSecret& s : r->widget().secrets()) {
    std::cout << KindName(s.kind()) << ": " << DescribeVersion(s.current()) << "\n";
    for (const v1::SecretVersionInfo& p : s.previous()) {
      std::cout << "  previous: " << DescribeVersion(p) << "\n";
    }
  }
  return 0;
}

int Widgets(const IdentityClient& client, const std::vector<char*>& args) {
  if (args.size() != 1) return Usage("widgets takes no arguments");
  absl::StatusOr<v1::ListWidgetsResponse> r = client.ListWidgetsAll();
  if (!r.ok()) return RpcError(r.status());
  if (JsonOutput()) {
    PrintJson(*r);
    return 0;
  }
  // One line per widget and kind, columns separated by spaces, for awk.
  std::cout << "APP_ID KIND VERSION FINGERPRINT CREATED PREVIOUS_VERSIONS\n";
  for (const v1::Widget& w : r->widgets()) {
    if (w.secrets().empty()) std::cout << w.app_id() << " - - - - -\n";
    for (const v1::WidgetSecret& s : w.secrets()) {
      std::string previous;
      for (const v1::SecretVersionInfo& p : s.previous()) {
        absl::StrAppend(&previous, previous.empty() ? "" : ",", p.version());
      }
      std::cout << w.app_id() << " " << KindName(s.kind()) << " " << s.current().version() << " "
                << s.current().fingerprint() << " " << FormatTime(s.current().create_time())
                << " " << (previous.empty() ? "-" : previous) << "\n";
    }
  }
  return 0;
}

// The largest token verify-token reads from stdin: more than identityd takes
// (8192 bytes), so that identityd, not identityctl, says what is too long.
constexpr std::size_t kMaxTokenInputBytes = 64 * 1024;

// The enum value's name without its prefix: "PREVIOUS_VERSION".
std::string ShortName(const std::string& name, absl::string_view prefix) {
  absl::string_view out = name;
  absl::ConsumePrefix(&out, prefix);
  return std::string(out);
}

std::string JoinVersions(const google::protobuf::RepeatedField<uint64_t>& versions) {
  std::string out;
  for (uint64_t v : versions) absl::StrAppend(&out, out.empty() ? "" : ",", v);
  return out.empty() ? "-" : out;
}

// verify-hash APP_ID EMAIL HASH: which kept email-hash secret version made
// HASH for EMAIL. Exit 0 whatever the verdict (the call worked: the verdict
// is the answer); 1 only when the call failed.
int VerifyHash(const IdentityClient& client, const std::vector<char*>& args) {
  if (args.size() != 4) return Usage("verify-hash takes APP_ID EMAIL HASH");
  absl::StatusOr<v1::VerifyEmailHashResponse> r =
      client.VerifyEmailHash(args[1], args[2], args[3]);
  if (!r.ok()) return RpcError(r.status());
  if (JsonOutput()) {
    PrintJson(*r);
    return 0;
  }
  std::cout << "verdict: "
            << ShortName(v1::EmailHashVerdict_Name(r->verdict()),
                                               "EMAIL_HASH_VERDICT_")
            << "\nmatched_version: " << r->matched_version()
            << "\ncurrent_version: " << r->current_version()
            << "\nchecked_versions: " << JoinVersions(r->checked_versions()) << "\n";
  return 0;
}

// verify-token APP_ID JWT|-: why the widget would refuse JWT ("-": read from
// stdin, which keeps the token, a bearer credential, out of argv and shell
// history). Exit 0 whatever the verdict, as verify-hash.
int VerifyToken(const IdentityClient& client, const std::vector<char*>& args) {
  if (args.size() != 3) return Usage("verify-token takes APP_ID JWT (or - to read it from stdin)");
  std::string jwt = args[2];
  if (jwt == "-") {
    jwt.clear();
    char buffer[4096];
    while (std::cin.read(buffer, sizeof(buffer)) || std::cin.gcount() > 0) {
      jwt.append(buffer, static_cast<std::size_t>(std::cin.gcount()));
      if (jwt.size() > kMaxTokenInputBytes) {
        return Usage(absl::StrCat("verify-token -: more than ", kMaxTokenInputBytes,
                                  " bytes on stdin"));
      }
    }
    // One line, as `echo` or a file writes it.
    if (absl::EndsWith(jwt, "\n")) jwt.pop_back();
    if (absl::EndsWith(jwt, "\r")) jwt.pop_back();
    if (jwt.empty()) return Usage("verify-token -: no token on stdin");
  }
  absl::StatusOr<v1::VerifyWidgetTokenResponse> r = client.VerifyWidgetToken(args[1], jwt);
  CleanseString(jwt);
  if (!r.ok()) return RpcError(r.status());
  if (JsonOutput()) {
    PrintJson(*r);
    return 0;
  }
  std::cout << "verdict: "
            << ShortName(v1::TokenVerdict_Name(r->verdict()), "TOKEN_VERDICT_")
            << "\nsigned_by_version: " << r->signed_by_version()
            << "\ncurrent_version: " << r->current_version() << "\nalg: " << r->alg() << "\n";
  if (r->has_email()) std::cout << "email: " << r->email() << "\n";
  if (r->has_issued_at()) std::cout << "issued_at: " << FormatSeconds(r->issued_at()) << "\n";
  if (r->has_expires_at()) std::cout << "expires_at: " << FormatSeconds(r->expires_at()) << "\n";
  std::cout << "findings:\n";
  for (const v1::TokenFinding& f : r->findings()) {
    std::cout << "  " << ShortName(v1::FindingResult_Name(f.result()),
                                                      "FINDING_RESULT_")
              << " "
              << absl::AsciiStrToLower(
                     ShortName(v1::TokenCheck_Name(f.check()), "TOKEN_CHECK_"))
              << ": " << f.message() << "\n";
  }
  return 0;
}

// audit-hash EMAIL: the pseudonym identityd's audit log records for EMAIL
// (--audit_email=pseudonym): hex(HMAC-SHA256(hex_decode(audit key), EMAIL)),
// computed here so that an investigator can grep the log for it. Local: the
// key never travels to or from a server.
int AuditHash(const std::vector<char*>& args) {
  if (args.size() != 2) return Usage("audit-hash takes EMAIL");
  const std::string file = absl::GetFlag(FLAGS_audit_key_file);
  const std::string env = absl::GetFlag(FLAGS_audit_key_env);
  absl::StatusOr<crypto::EmailHasher> hasher = secret_source::ReadAuditKey(file, env);
  if (!hasher.ok()) {
    return Usage(file.empty() && absl::IsNotFound(hasher.status())
                     ? absl::StrCat("audit-hash needs the audit key: --audit_key_file=FILE or $",
                                    env)
                     : std::string(hasher.status().message()));
  }
  // "-": the email from stdin (one line), out of argv and shell history.
  std::string email = args[1];
  if (email == "-" && !std::getline(std::cin, email)) return Usage("audit-hash -: no email on stdin");
  std::cout << hasher->Hash(email) << "\n";
  return 0;
}

// Every command, for the messages that list them.
constexpr char kCommands[] =
    "hash, hashes, token, rotate, widget, widgets, verify-hash, verify-token or audit-hash";

int Run(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "identityctl --target=HOST:PORT (--ca=F --cert=F --key=F | --insecure) "
      "[--output=text|json] COMMAND ...\n"
      "  hash APP_ID EMAIL\n"
      "  hashes APP_ID      the emails on stdin, one per line (at most 1,000): one hash or error "
      "line each\n"
      "  token APP_ID EMAIL [--ttl=SECONDS] [--name=..] [--account_id=..] "
      "[--account_external_id=..] [--contact_id=..] [--contact_external_id=..]\n"
      "  rotate APP_ID --kind=email_hash|jwt (--generate | --secret_file=FILE | secret on stdin) "
      "[--expected_version=N]\n"
      "  widget APP_ID      versions, fingerprints and times of one widget (never secrets)\n"
      "  widgets            every widget, one line per secret kind\n"
      "  verify-hash APP_ID EMAIL HASH   which kept secret version made HASH (or none)\n"
      "  verify-token APP_ID JWT|-       why the widget refuses JWT (-: read it from stdin)\n"
      "identityctl [--audit_key_file=FILE] audit-hash EMAIL|-   (-: the email from stdin)\n"
      "  the email's pseudonym in identityd's audit log (local; key from FILE or "
      "$IDENTITYD_AUDIT_KEY)\n"
      "Exit status: 0 success, 1 the call failed (status on stderr) or an email of hashes was "
      "not hashed, 2 usage error.");
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view file) {
    return absl::StrContains(file, "client/");
  };
  absl::SetFlagsUsageConfig(usage);
  help_requested = HelpRequested(argc, argv);
  parsing_flags = true;
  std::atexit(MapFlagParsingExit);
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  parsing_flags = false;
  if (args.size() < 2) {
    return Usage(absl::StrCat("missing COMMAND (", kCommands, ")"));
  }
  if (absl::string_view(args[1]) == "audit-hash") {
    return AuditHash(std::vector<char*>(args.begin() + 1, args.end()));
  }

  const std::string target = absl::GetFlag(FLAGS_target);
  if (target.empty()) return Usage("--target=HOST:PORT is required");
  const std::string output = absl::GetFlag(FLAGS_output);
  if (output != "text" && output != "json") return Usage("--output must be text or json");
  const ClientTlsFiles tls{absl::GetFlag(FLAGS_ca), absl::GetFlag(FLAGS_cert),
                           absl::GetFlag(FLAGS_key)};
  const bool any_tls = !tls.ca_file.empty() || !tls.cert_file.empty() || !tls.key_file.empty();
  ClientOptions options;
  if (absl::GetFlag(FLAGS_insecure)) {
    if (any_tls) return Usage("use either --insecure or --ca/--cert/--key, not both");
    options = ClientOptions::Insecure(target);
  } else {
    if (tls.ca_file.empty() || tls.cert_file.empty() || tls.key_file.empty()) {
      return Usage(
          "pass --ca, --cert and --key (mutual TLS), or --insecure for a development server "
          "started with --insecure_loopback");
    }
    absl::StatusOr<ClientOptions> mtls = ClientOptions::MutualTls(target, tls);
    if (!mtls.ok()) return Usage(mtls.status().message());
    options = *std::move(mtls);
    options.tls_server_name = absl::GetFlag(FLAGS_tls_server_name);
  }
  options.timeout = absl::GetFlag(FLAGS_timeout);
  options.load_balancing_policy = absl::GetFlag(FLAGS_lb_policy);
  absl::StatusOr<std::unique_ptr<IdentityClient>> client = IdentityClient::Create(options);
  if (!client.ok()) {
    // The client names its option; here the user set it as a flag.
    absl::string_view message = client.status().message();
    if (absl::ConsumePrefix(&message, "load_balancing_policy:")) {
      return Usage(absl::StrCat("--lb_policy:", message));
    }
    return Usage(message);
  }

  const std::string command = args[1];
  const std::vector<char*> command_args(args.begin() + 1, args.end());
  if (command == "hash") return Hash(**client, command_args);
  if (command == "hashes") return Hashes(**client, command_args);
  if (command == "token") return Token(**client, command_args);
  if (command == "rotate") return Rotate(**client, command_args);
  if (command == "widget") return Widget(**client, command_args);
  if (command == "widgets") return Widgets(**client, command_args);
  if (command == "verify-hash") return VerifyHash(**client, command_args);
  if (command == "verify-token") return VerifyToken(**client, command_args);
  return Usage(absl::StrCat("unknown command \"", command,
                            "\" (", kCommands, ")"));
}

}  // namespace
}  // namespace identity::client

int main(int argc, char** argv) { return identity::client::Run(argc, argv); }
