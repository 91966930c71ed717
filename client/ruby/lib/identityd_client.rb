# Opens connections to identityd, the widget identity service, from Ruby, for
# the stubs that `rake generate` writes to lib/identity/v1/.
#
# Every Ruby caller creates its channel here, so that transport security is
# configured in one place: identityd serves plain text only on loopback
# (--insecure_loopback, for development and tests); TLS credentials belong in
# IdentitydClient.stub when the server offers them.
#
#   require "identityd_client"
#   stub = IdentitydClient.stub("127.0.0.1:50051")
#   reply = stub.issue_email_hash(
#     Identity::V1::IssueEmailHashRequest.new(app_id: "demo-widget", email: "jane@example.com"),
#     deadline: Time.now + 5) # every call carries a deadline
#
# A failed call raises a GRPC::BadStatus subclass (GRPC::NotFound,
# GRPC::InvalidArgument, ...) whose #code is a GRPC::Core::StatusCodes value.

require "grpc"
require "identity/v1/identity_services_pb"

module IdentitydClient
  # Returns an Identity::V1::IdentityService stub for identityd at +target+
  # ("host:port"). It connects lazily, on the first call.
  def self.stub(target)
    # Plain text: today's identityd accepts it only on a loopback address.
    Identity::V1::IdentityService::Stub.new(target, :this_channel_is_insecure)
  end
end
