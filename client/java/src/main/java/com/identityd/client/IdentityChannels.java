package com.identityd.client;

import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;

/**
 * Opens channels to identityd, the widget identity service, for the generated
 * stubs in {@code com.identityd.identity.v1}.
 *
 * <p>Every Java caller creates its channel here, so that transport security is
 * configured in one place: identityd serves plain text only on loopback
 * ({@code --insecure_loopback}, for development and tests); TLS credentials
 * belong in {@link #forTarget} when the server offers them.
 *
 * <pre>{@code
 * ManagedChannel channel = IdentityChannels.forTarget("127.0.0.1:50051");
 * IdentityServiceGrpc.IdentityServiceBlockingStub stub =
 *     IdentityServiceGrpc.newBlockingStub(channel);
 * IssueEmailHashResponse reply = stub.withDeadlineAfter(5, TimeUnit.SECONDS)
 *     .issueEmailHash(IssueEmailHashRequest.newBuilder()
 *         .setAppId("demo-widget").setEmail("jane@example.com").build());
 * channel.shutdown();
 * }</pre>
 */
public final class IdentityChannels {
  private IdentityChannels() {}

  /**
   * Returns a channel to identityd at {@code target} ("host:port"). It connects
   * lazily, on the first call; every call should carry its own deadline
   * ({@code stub.withDeadlineAfter}). Shut it down when done.
   */
  public static ManagedChannel forTarget(String target) {
    // Plain text: today's identityd accepts it only on a loopback address.
    return Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build();
  }
}
