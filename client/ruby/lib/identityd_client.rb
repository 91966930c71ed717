# Opens connections to identityd, the widget identity service, from Ruby, for
# the stubs that `rake generate` writes to lib/identity/v1/.
#
# Every Ruby caller creates its channel here, so that transport security is
# configured in one place. A production identityd accepts mutual TLS only: the
# caller trusts the CA that signed identityd's certificate and presents its own
# certificate and key, whose name (a SPIFFE ID, a DNS name or a CN) the server's
# policy authorizes. Plain text exists only for a development identityd started
# with --insecure_loopback, and must be asked for by name.
#
#   require "identityd_client"
#   # Mutual TLS (production): GRPC::Core::ChannelCredentials from PEM files.
#   stub = IdentitydClient.stub("identityd.corp:50051", ca_file: "ca.pem",
#                               cert_file: "billing.pem", key_file: "billing.key")
#   # Plain text: only a development server (identityd --insecure_loopback).
#   stub = IdentitydClient.insecure_stub("127.0.0.1:50051")
#
#   reply = stub.issue_email_hash(
#     Identity::V1::IssueEmailHashRequest.new(app_id: "demo-widget", email: "jane@example.com"),
#     deadline: Time.now + 5) # every call carries a deadline
#
# A failed call raises a GRPC::BadStatus subclass (GRPC::NotFound,
# GRPC::InvalidArgument, ...) whose #code is a GRPC::Core::StatusCodes value. A
# server that refuses the client's certificate (none, or one from a CA it does
# not trust) fails the TLS handshake: the call raises GRPC::Unavailable at
# once, it does not wait for its deadline.

require "grpc"
require "identity/v1/identity_services_pb"

module IdentitydClient
  # The environment variables stub_from_env reads (the example and the interop
  # test use them).
  TLS_FILE_VARS = %w[IDENTITYD_CA_FILE IDENTITYD_CERT_FILE IDENTITYD_KEY_FILE].freeze
  INSECURE_VAR = "IDENTITYD_INSECURE"

  # Returns GRPC::Core::ChannelCredentials for mutual TLS from PEM files:
  # +ca_file+, the CA certificate(s) identityd's certificate must chain to;
  # +cert_file+, this client's certificate chain (leaf first); +key_file+, its
  # private key. The files are read once, here (make a new stub to pick up
  # renewed certificates); a missing file raises Errno::ENOENT naming it.
  def self.mtls_credentials(ca_file:, cert_file:, key_file:)
    GRPC::Core::ChannelCredentials.new(File.read(ca_file), File.read(key_file), File.read(cert_file))
  end

  # Returns an Identity::V1::IdentityService stub for identityd at +target+
  # ("host:port") over mutual TLS; the server's certificate must name the
  # target's host. It connects lazily, on the first call.
  def self.stub(target, ca_file:, cert_file:, key_file:)
    Identity::V1::IdentityService::Stub.new(
      target, mtls_credentials(ca_file: ca_file, cert_file: cert_file, key_file: key_file))
  end

  # Returns a plain-text stub: only for a development identityd started with
  # --insecure_loopback (it listens on loopback only). A production identityd
  # refuses it (GRPC::Unavailable).
  def self.insecure_stub(target)
    Identity::V1::IdentityService::Stub.new(target, :this_channel_is_insecure)
  end

  # Returns a stub as the environment asks: IDENTITYD_TARGET (default
  # 127.0.0.1:50051), and either IDENTITYD_CA_FILE, IDENTITYD_CERT_FILE and
  # IDENTITYD_KEY_FILE (mutual TLS) or IDENTITYD_INSECURE=1 (plain text,
  # development). Anything else raises ArgumentError saying what to set: a
  # caller never falls back to plain text.
  def self.stub_from_env(env = ENV)
    target = env["IDENTITYD_TARGET"].to_s.empty? ? "127.0.0.1:50051" : env["IDENTITYD_TARGET"]
    ca_file, cert_file, key_file = TLS_FILE_VARS.map { |name| env[name].to_s }
    files = [ca_file, cert_file, key_file]
    insecure = env[INSECURE_VAR] == "1"
    if files.any? { |f| !f.empty? } && insecure
      raise ArgumentError, "set either #{TLS_FILE_VARS.join('/')} or #{INSECURE_VAR}=1, not both"
    end
    return stub(target, ca_file: ca_file, cert_file: cert_file, key_file: key_file) if files.none?(&:empty?)
    return insecure_stub(target) if insecure

    raise ArgumentError, "set #{TLS_FILE_VARS.join(', ')} (mutual TLS, which a production identityd " \
                         "requires), or #{INSECURE_VAR}=1 for a development identityd started with " \
                         "--insecure_loopback"
  end
end
