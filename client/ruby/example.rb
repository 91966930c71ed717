# Calls identityd's three RPCs from Ruby, each with a deadline, and shows how a
# caller tells the error statuses apart.
#
# Mutual TLS, as a production identityd requires (the client's certificate must
# be one the server's policy grants the calls below, e.g. the "ops" client of
# scripts/run --mtls):
#
#   IDENTITYD_TARGET=identityd.corp:50051 IDENTITYD_CA_FILE=ca.pem \
#   IDENTITYD_CERT_FILE=ops.pem IDENTITYD_KEY_FILE=ops.key ruby example.rb [APP_ID [EMAIL]]
#
# Plain text, only against a development identityd (scripts/run, which starts it
# with --insecure_loopback):
#
#   IDENTITYD_TARGET=127.0.0.1:50051 IDENTITYD_INSECURE=1 ruby example.rb [APP_ID [EMAIL]]
#
# With neither, it stops and says what to set: it never falls back to plain text.
#
# APP_ID defaults to demo-widget (the widget scripts/run configures), EMAIL to
# jane@example.com. The rotation step registers (or rotates) the JWT secret of
# a separate widget, APP_ID + "-rotated", so that APP_ID's secrets stay as they
# are. Secrets are never printed: only versions and fingerprints.

$LOAD_PATH.unshift(File.join(__dir__, "lib"))
require "time"
require "identityd_client"

# identityd answers in microseconds: a call that takes seconds means the
# service is unreachable or overloaded.
CALL_TIMEOUT_S = 5

# What a caller would do about a failed call.
def describe(err)
  name = GRPC::Core::StatusCodes.constants.find { |c| GRPC::Core::StatusCodes.const_get(c) == err.code }
  case err
  when GRPC::InvalidArgument then "bad request (fix the input): #{name}: #{err.details}"
  when GRPC::NotFound, GRPC::FailedPrecondition then "widget not set up for this call: #{name}: #{err.details}"
  # Also how a refused TLS handshake surfaces: the server does not trust this
  # client's certificate (or got none, or plain text).
  when GRPC::Unavailable
    "identityd unreachable, or it refused this client's certificate " \
      "(check #{IdentitydClient::TLS_FILE_VARS.join(', ')}): #{name}: #{err.details}"
  when GRPC::DeadlineExceeded then "identityd unreachable (retry later): #{name}: #{err.details}"
  else "#{name}: #{err.details}"
  end
end

def main(args)
  app_id = args[0] || "demo-widget"
  email = args[1] || "jane@example.com"
  begin
    # IdentitydClient.stub(target, ca_file:, cert_file:, key_file:) for mutual
    # TLS, insecure_stub(target) for plain text: chosen from the environment.
    stub = IdentitydClient.stub_from_env
  rescue ArgumentError, SystemCallError => e
    warn "example: #{e.message}"
    return 2
  end
  begin
    # 1. The HMAC email hash, for the widget's `email_hash`.
    hash = stub.issue_email_hash(
      Identity::V1::IssueEmailHashRequest.new(app_id: app_id, email: email),
      deadline: Time.now + CALL_TIMEOUT_S)
    puts "email_hash: #{hash.email_hash} (secret version #{hash.secret_version})"

    # 1b. Many hashes in one call (backfills, exports; at most 1,000 emails):
    # one result per email, in order; a bad email gets its own error.
    batch = stub.issue_email_hashes(
      Identity::V1::IssueEmailHashesRequest.new(app_id: app_id, emails: [email, "not-an-email"]),
      deadline: Time.now + CALL_TIMEOUT_S)
    batch.results.each do |r|
      puts(r.result == :error ? "not hashed: #{r.error.message}" : "email_hash: #{r.email_hash}")
    end

    # 2. A widget JWT with an optional claim and an explicit lifetime.
    token = stub.issue_widget_token(
      Identity::V1::IssueWidgetTokenRequest.new(
        app_id: app_id, email: email, name: "Jane Doe",
        ttl: Google::Protobuf::Duration.new(seconds: 600)),
      deadline: Time.now + CALL_TIMEOUT_S)
    puts "jwt: #{token.jwt}"
    puts "expires_at: #{Time.at(token.expires_at.seconds).utc.iso8601}"

    # 3. Rotation (an operator's call): a generated JWT secret, returned once.
    rotated = "#{app_id}-rotated"
    rotation = stub.rotate_secret(
      Identity::V1::RotateSecretRequest.new(app_id: rotated, kind: :SECRET_KIND_JWT, generate: true),
      deadline: Time.now + CALL_TIMEOUT_S)
    # A real operator stores rotation.generated_secret in the widget vendor's
    # settings now; it is never shown again, and never logged.
    puts "rotated #{rotated}: JWT secret version #{rotation.version}, fingerprint " \
         "#{rotation.fingerprint} (#{rotation.generated_secret.length}-character secret not shown)"
  rescue GRPC::BadStatus => e
    warn "example: #{describe(e)}"
    return 1
  end

  # 4. Errors arrive as gRPC status codes: an unknown widget is NOT_FOUND.
  begin
    stub.issue_email_hash(
      Identity::V1::IssueEmailHashRequest.new(app_id: "no-such-widget", email: email),
      deadline: Time.now + CALL_TIMEOUT_S)
    warn "example: an unknown widget was accepted"
    1
  rescue GRPC::NotFound
    puts "unknown widget: NOT_FOUND"
    0
  rescue GRPC::BadStatus => e
    warn "example: #{describe(e)}"
    1
  end
end

exit(main(ARGV))
