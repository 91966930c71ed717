# Calls identityd's three RPCs from Ruby, each with a deadline, and shows how a
# caller tells the error statuses apart.
#
#   IDENTITYD_TARGET=127.0.0.1:50051 ruby -Ilib example.rb [APP_ID [EMAIL]]
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
  when GRPC::Unavailable, GRPC::DeadlineExceeded then "identityd unreachable (retry later): #{name}: #{err.details}"
  else "#{name}: #{err.details}"
  end
end

def main(args)
  app_id = args[0] || "demo-widget"
  email = args[1] || "jane@example.com"
  stub = IdentitydClient.stub(ENV.fetch("IDENTITYD_TARGET", "127.0.0.1:50051"))
  begin
    # 1. The HMAC email hash, for the widget's `email_hash`.
    hash = stub.issue_email_hash(
      Identity::V1::IssueEmailHashRequest.new(app_id: app_id, email: email),
      deadline: Time.now + CALL_TIMEOUT_S)
    puts "email_hash: #{hash.email_hash} (secret version #{hash.secret_version})"

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
