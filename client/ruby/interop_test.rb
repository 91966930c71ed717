# Checks, against a real identityd, that the Ruby client gets proofs that
# Ruby's own libraries accept: the email hash equals the vendor's Ruby snippet
# (OpenSSL::HMAC with the hex-decoded key), the JWT verifies with the jwt gem
# (Debian's ruby-jwt), and errors arrive as GRPC::BadStatus subclasses. Every
# call goes over mutual TLS, as to a production identityd; clients without an
# acceptable certificate are refused at once (GRPC::Unavailable), not left
# waiting; plain text (IDENTITYD_INSECURE=1) reaches a development identityd.
#
# ctest runs it (test interop.ruby) through tests/support/run_with_identityd.py
# --mtls, which starts the server with the development PKI and sets the
# IDENTITYD_* variables read here.

$LOAD_PATH.unshift(File.join(__dir__, "lib"))
require "digest"
require "json"
require "jwt"
require "minitest/autorun"
require "open3"
require "openssl"
require "rbconfig"
require "identityd_client"

CALL_TIMEOUT_S = 10
# A refused handshake ends a call at once; half the deadline is far from it.
REFUSAL_WITHIN_S = CALL_TIMEOUT_S / 2.0

# Emails hashed and signed exactly as given (Unicode, quotes, SHA-256 padding
# boundaries, 254 bytes): the list every suite shares with the C++ vectors.
EMAILS = JSON.parse(File.read(File.join(__dir__, "../../tests/testdata/email_hash_inputs.json"),
                              encoding: "utf-8"))["emails"].freeze
LOWER_HEX_64 = /\A[0-9a-f]{64}\z/.freeze
BASE64URL_43 = /\A[A-Za-z0-9_-]{43}\z/.freeze

def env(name)
  value = ENV[name]
  if value.nil? || value.empty?
    raise "#{name} is not set: run this test through tests/support/run_with_identityd.py " \
          "(ctest -R interop.ruby)"
  end
  value
end

def read_secret(var)
  File.read(env(var), encoding: "ascii").chomp
end

# The vendor's Ruby snippet (seed/identity-verification.md): OpenSSL::HMAC
# with the hex-decoded secret as key.
def sign_message_with_hmac(message, secret)
  OpenSSL::HMAC.hexdigest("SHA256", [secret].pack("H*"), message)
end

# Decodes +token+ with the jwt gem: HS256 only, aud = app_id, exp/iat checked.
def verify(token, key, app_id)
  claims, header = JWT.decode(token, key, true,
                              algorithm: "HS256", aud: app_id, verify_aud: true,
                              verify_iat: true, required_claims: %w[exp iat aud email])
  [claims, header]
end

class InteropTest < Minitest::Test
  def setup
    @stub = IdentitydClient.stub(env("IDENTITYD_TARGET"), ca_file: env("IDENTITYD_CA_FILE"),
                                 cert_file: env("IDENTITYD_CERT_FILE"), key_file: env("IDENTITYD_KEY_FILE"))
    @app_id = env("IDENTITYD_APP_ID")
  end

  def hash(app_id, email, timeout: CALL_TIMEOUT_S)
    @stub.issue_email_hash(Identity::V1::IssueEmailHashRequest.new(app_id: app_id, email: email),
                           deadline: Time.now + timeout)
  end

  def token(**fields)
    @stub.issue_widget_token(Identity::V1::IssueWidgetTokenRequest.new(**fields),
                             deadline: Time.now + CALL_TIMEOUT_S)
  end

  def rotate(**fields)
    @stub.rotate_secret(Identity::V1::RotateSecretRequest.new(**fields),
                        deadline: Time.now + CALL_TIMEOUT_S)
  end

  def test_email_hash_equals_vendor_ruby_snippet
    secret = read_secret("IDENTITYD_EMAIL_HASH_SECRET_FILE")
    EMAILS.each do |email|
      reply = hash(@app_id, email)
      assert_equal sign_message_with_hmac(email, secret), reply.email_hash, email
      assert_match LOWER_HEX_64, reply.email_hash
      assert_equal 1, reply.secret_version
    end
  end

  def test_bulk_email_hashes_equal_vendor_ruby_snippet_and_a_bad_email_fails_alone
    secret = read_secret("IDENTITYD_EMAIL_HASH_SECRET_FILE")
    emails = EMAILS + ["not-an-email"]
    reply = @stub.issue_email_hashes(
      Identity::V1::IssueEmailHashesRequest.new(app_id: @app_id, emails: emails),
      deadline: Time.now + CALL_TIMEOUT_S)
    assert_equal emails.size, reply.results.size
    EMAILS.each_with_index do |email, i|
      assert_equal :email_hash, reply.results[i].result, email
      assert_equal sign_message_with_hmac(email, secret), reply.results[i].email_hash, email
    end
    bad = reply.results[EMAILS.size]
    assert_equal :error, bad.result
    assert_equal GRPC::Core::StatusCodes::INVALID_ARGUMENT, bad.error.code
    assert_equal "emails[#{EMAILS.size}]: must contain exactly one '@'", bad.error.message
    assert_equal 1, reply.secret_version
    err = assert_raises(GRPC::InvalidArgument) do
      @stub.issue_email_hashes(
        Identity::V1::IssueEmailHashesRequest.new(app_id: @app_id,
                                                  emails: ["jane@example.com"] * 1001),
        deadline: Time.now + CALL_TIMEOUT_S)
    end
    assert_equal "emails: at most 1000 per call; got 1001", err.details
  end

  def test_email_hash_with_upper_case_hex_secret
    secret = read_secret("IDENTITYD_HASH_ONLY_SECRET_FILE")
    assert_equal secret.upcase, secret
    reply = hash(env("IDENTITYD_HASH_ONLY_APP_ID"), "jane@example.com")
    assert_equal sign_message_with_hmac("jane@example.com", secret), reply.email_hash
  end

  def test_widget_token_verifies_with_jwt_gem
    secret = read_secret("IDENTITYD_JWT_SECRET_FILE")
    EMAILS.each do |email|
      before = Time.now.to_i
      reply = token(app_id: @app_id, email: email)
      after = Time.now.to_i
      claims, header = verify(reply.jwt, secret, @app_id)
      assert_equal email, claims["email"]
      assert_equal @app_id, claims["aud"]
      assert_includes (before - 1)..(after + 1), claims["iat"]
      assert_equal 600, claims["exp"] - claims["iat"]
      assert_equal claims["exp"], reply.expires_at.seconds
      assert_equal %w[aud email exp iat], claims.keys.sort
      assert_equal({ "alg" => "HS256", "typ" => "JWT" }, header)
    end
  end

  def test_optional_claims_and_ttl_round_trip
    name = "Jané \"JD\" O'Brien \\ 用户"
    reply = token(app_id: @app_id, email: "jane@example.com", name: name,
                  account_id: "acc_1", account_external_id: "ext-acc-9",
                  contact_id: "c_2", contact_external_id: "ext-c-7",
                  ttl: Google::Protobuf::Duration.new(seconds: 900))
    claims, = verify(reply.jwt, read_secret("IDENTITYD_JWT_SECRET_FILE"), @app_id)
    assert_equal({ "name" => name, "account_id" => "acc_1", "account_external_id" => "ext-acc-9",
                   "contact_id" => "c_2", "contact_external_id" => "ext-c-7" },
                 claims.slice("name", "account_id", "account_external_id",
                              "contact_id", "contact_external_id"))
    assert_equal 900, claims["exp"] - claims["iat"]
  end

  def test_wrong_audience_or_key_is_rejected
    secret = read_secret("IDENTITYD_JWT_SECRET_FILE")
    jwt = token(app_id: @app_id, email: "a@b.co").jwt
    assert_raises(JWT::InvalidAudError) { verify(jwt, secret, "another-widget") }
    assert_raises(JWT::VerificationError) { verify(jwt, "#{secret}x", @app_id) }
  end

  def test_rotate_secret_generate
    app = "interop-ruby-rotated"
    hashed = rotate(app_id: app, kind: :SECRET_KIND_EMAIL_HASH, generate: true)
    assert_equal 1, hashed.version
    assert_match LOWER_HEX_64, hashed.generated_secret
    assert_equal Digest::SHA256.hexdigest([hashed.generated_secret].pack("H*"))[0, 16],
                 hashed.fingerprint
    assert_equal sign_message_with_hmac("jane@example.com", hashed.generated_secret),
                 hash(app, "jane@example.com").email_hash

    rotated = rotate(app_id: app, kind: :SECRET_KIND_JWT, generate: true, expected_version: 0)
    assert_match BASE64URL_43, rotated.generated_secret
    claims, = verify(token(app_id: app, email: "jane@example.com").jwt,
                     rotated.generated_secret, app)
    assert_equal "jane@example.com", claims["email"]

    # A stale compare-and-swap guard changes nothing.
    err = assert_raises(GRPC::BadStatus) do
      rotate(app_id: app, kind: :SECRET_KIND_JWT, generate: true, expected_version: 0)
    end
    assert_equal GRPC::Core::StatusCodes::ABORTED, err.code
  end

  def test_errors_surface_as_status_codes
    hash_only = env("IDENTITYD_HASH_ONLY_APP_ID")
    codes = GRPC::Core::StatusCodes
    cases = [
      ["unknown app_id", -> { hash("no-such-widget", "a@b.co") }, GRPC::NotFound, codes::NOT_FOUND, "app_id"],
      ["bad email", -> { hash(@app_id, "not-an-email") }, GRPC::InvalidArgument, codes::INVALID_ARGUMENT, "email"],
      ["no JWT secret", -> { token(app_id: hash_only, email: "a@b.co") },
       GRPC::FailedPrecondition, codes::FAILED_PRECONDITION, ""],
      ["ttl too long",
       -> { token(app_id: @app_id, email: "a@b.co", ttl: Google::Protobuf::Duration.new(seconds: 901)) },
       GRPC::InvalidArgument, codes::INVALID_ARGUMENT, "ttl"],
      ["expired deadline", -> { hash(@app_id, "a@b.co", timeout: -1) },
       GRPC::DeadlineExceeded, codes::DEADLINE_EXCEEDED, ""],
    ]
    cases.each do |name, call, klass, code, field|
      err = assert_raises(klass, name, &call)
      assert_equal code, err.code, name
      assert err.details.start_with?(field), "#{name}: #{err.details}"
    end
  end

  # A call from +stub+ fails the TLS handshake: GRPC::Unavailable, long before
  # its deadline.
  def assert_refused(stub)
    started = Process.clock_gettime(Process::CLOCK_MONOTONIC)
    assert_raises(GRPC::Unavailable) do
      stub.issue_email_hash(Identity::V1::IssueEmailHashRequest.new(app_id: @app_id, email: "a@b.co"),
                            deadline: Time.now + CALL_TIMEOUT_S)
    end
    assert_operator Process.clock_gettime(Process::CLOCK_MONOTONIC) - started, :<, REFUSAL_WITHIN_S
  end

  def test_client_without_certificate_is_refused
    trusts_the_server_only = GRPC::Core::ChannelCredentials.new(File.read(env("IDENTITYD_CA_FILE")))
    assert_refused(Identity::V1::IdentityService::Stub.new(env("IDENTITYD_TARGET"), trusts_the_server_only))
  end

  def test_client_with_certificate_from_another_ca_is_refused
    assert_refused(IdentitydClient.stub(env("IDENTITYD_TARGET"), ca_file: env("IDENTITYD_CA_FILE"),
                                        cert_file: env("IDENTITYD_FOREIGN_CERT_FILE"),
                                        key_file: env("IDENTITYD_FOREIGN_KEY_FILE")))
  end

  def test_plain_text_client_is_refused
    assert_refused(IdentitydClient.insecure_stub(env("IDENTITYD_TARGET")))
  end

  def test_plain_text_to_a_development_identityd
    plain = IdentitydClient.stub_from_env(
      "IDENTITYD_TARGET" => env("IDENTITYD_INSECURE_TARGET"), "IDENTITYD_INSECURE" => "1")
    reply = plain.issue_email_hash(
      Identity::V1::IssueEmailHashRequest.new(app_id: @app_id, email: "jane@example.com"),
      deadline: Time.now + CALL_TIMEOUT_S)
    assert_equal sign_message_with_hmac("jane@example.com", read_secret("IDENTITYD_EMAIL_HASH_SECRET_FILE")),
                 reply.email_hash
  end

  def run_example(env)
    Open3.capture3(env, RbConfig.ruby, File.join(__dir__, "example.rb"), @app_id, "jane@example.com")
  end

  # example.rb, the program the README shows, works against the same server.
  def test_example_program
    out, err, status = run_example({})
    assert status.success?, err
    ["email_hash: ", "jwt: ", "rotated ", "unknown widget: NOT_FOUND"].each do |want|
      assert_includes out, want
    end
  end

  # Without the TLS files and without IDENTITYD_INSECURE=1, example.rb stops and
  # says what to set: it never falls back to plain text.
  def test_example_never_falls_back_to_plain_text
    unset = (IdentitydClient::TLS_FILE_VARS + [IdentitydClient::INSECURE_VAR]).to_h { |name| [name, nil] }
    out, err, status = run_example(unset)
    refute status.success?
    refute_includes out, "email_hash"
    assert_includes err, "IDENTITYD_CA_FILE"
    assert_includes err, "IDENTITYD_INSECURE=1"
  end
end
