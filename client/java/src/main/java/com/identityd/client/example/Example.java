package com.identityd.client.example;

import com.google.protobuf.Duration;
import com.identityd.client.IdentityChannels;
import com.identityd.identity.v1.IdentityServiceGrpc;
import com.identityd.identity.v1.IdentityServiceGrpc.IdentityServiceBlockingStub;
import com.identityd.identity.v1.IssueEmailHashRequest;
import com.identityd.identity.v1.EmailHashResult;
import com.identityd.identity.v1.IssueEmailHashResponse;
import com.identityd.identity.v1.IssueEmailHashesRequest;
import com.identityd.identity.v1.IssueEmailHashesResponse;
import com.identityd.identity.v1.IssueWidgetTokenRequest;
import com.identityd.identity.v1.IssueWidgetTokenResponse;
import com.identityd.identity.v1.RotateSecretRequest;
import com.identityd.identity.v1.RotateSecretResponse;
import com.identityd.identity.v1.SecretKind;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Calls identityd's three RPCs from Java, each with a deadline, and shows how a
 * caller tells the error statuses apart.
 *
 * <p>Mutual TLS, as a production identityd requires (the client's certificate
 * must be one the server's policy grants the calls below, e.g. the "ops" client
 * of scripts/run --mtls):
 *
 * <pre>
 * IDENTITYD_TARGET=identityd.corp:50051 IDENTITYD_CA_FILE=ca.pem \
 * IDENTITYD_CERT_FILE=ops.pem IDENTITYD_KEY_FILE=ops.key \
 * java -cp ... com.identityd.client.example.Example [APP_ID [EMAIL]]
 * </pre>
 *
 * <p>Plain text, only against a development identityd (scripts/run, which starts
 * it with --insecure_loopback):
 *
 * <pre>
 * IDENTITYD_TARGET=127.0.0.1:50051 IDENTITYD_INSECURE=1 \
 * java -cp ... com.identityd.client.example.Example [APP_ID [EMAIL]]
 * </pre>
 *
 * <p>With neither, it stops and says what to set: it never falls back to plain
 * text.
 *
 * <p>APP_ID defaults to demo-widget (the widget scripts/run configures), EMAIL to
 * jane@example.com. The rotation step registers (or rotates) the JWT secret of
 * a separate widget, APP_ID + "-rotated", so that APP_ID's secrets stay as they
 * are. Secrets are never printed: only versions and fingerprints.
 */
public final class Example {
  // identityd answers in microseconds: a call that takes seconds means the
  // service is unreachable or overloaded.
  private static final long CALL_TIMEOUT_SECONDS = 5;

  private Example() {}

  public static void main(String[] args) {
    System.exit(run(args, System.getenv(), System.out, System.err));
  }

  /**
   * Runs the example with the environment {@code env}; returns the process exit
   * status (0 on success).
   */
  public static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
    String appId = args.length > 0 ? args[0] : "demo-widget";
    String email = args.length > 1 ? args[1] : "jane@example.com";

    ManagedChannel channel;
    try {
      // IdentityChannels.mutualTls(target, ca, cert, key) for mutual TLS,
      // insecure(target) for plain text: chosen from the environment.
      channel = IdentityChannels.fromEnvironment(env);
    } catch (IllegalArgumentException | IOException e) {
      err.println("example: " + e.getMessage());
      return 2;
    }
    try {
      IdentityServiceBlockingStub stub = IdentityServiceGrpc.newBlockingStub(channel);

      // 1. The HMAC email hash, for the widget's `email_hash`.
      IssueEmailHashResponse hash =
          stub.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
              .issueEmailHash(
                  IssueEmailHashRequest.newBuilder().setAppId(appId).setEmail(email).build());
      out.printf("email_hash: %s (secret version %d)%n", hash.getEmailHash(), hash.getSecretVersion());

      // 1b. Many hashes in one call (backfills, exports; at most 1,000 emails):
      // one result per email, in order; a bad email gets its own error.
      IssueEmailHashesResponse batch =
          stub.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
              .issueEmailHashes(
                  IssueEmailHashesRequest.newBuilder()
                      .setAppId(appId)
                      .addEmails(email)
                      .addEmails("not-an-email")
                      .build());
      for (EmailHashResult r : batch.getResultsList()) {
        if (r.hasError()) {
          out.printf("not hashed: %s%n", r.getError().getMessage());
        } else {
          out.printf("email_hash: %s%n", r.getEmailHash());
        }
      }

      // 2. A widget JWT with an optional claim and an explicit lifetime.
      IssueWidgetTokenResponse token =
          stub.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
              .issueWidgetToken(
                  IssueWidgetTokenRequest.newBuilder()
                      .setAppId(appId)
                      .setEmail(email)
                      .setName("Jane Doe")
                      .setTtl(Duration.newBuilder().setSeconds(600))
                      .build());
      out.printf("jwt: %s%nexpires_at: %s%n", token.getJwt(),
          Instant.ofEpochSecond(token.getExpiresAt().getSeconds()));

      // 3. Rotation (an operator's call): a generated JWT secret, returned once.
      String rotated = appId + "-rotated";
      RotateSecretResponse rotation =
          stub.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
              .rotateSecret(
                  RotateSecretRequest.newBuilder()
                      .setAppId(rotated)
                      .setKind(SecretKind.SECRET_KIND_JWT)
                      .setGenerate(true)
                      .build());
      // A real operator stores rotation.getGeneratedSecret() in the widget
      // vendor's settings now; it is never shown again, and never logged.
      out.printf("rotated %s: JWT secret version %d, fingerprint %s (%d-character secret not shown)%n",
          rotated, rotation.getVersion(), rotation.getFingerprint(),
          rotation.getGeneratedSecret().length());

      // 4. Errors arrive as gRPC status codes: an unknown widget is NOT_FOUND.
      try {
        stub.withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
            .issueEmailHash(
                IssueEmailHashRequest.newBuilder().setAppId("no-such-widget").setEmail(email).build());
        err.println("example: an unknown widget was accepted");
        return 1;
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() != Status.Code.NOT_FOUND) {
          throw e;
        }
        out.printf("unknown widget: %s%n", e.getStatus().getCode());
      }
      return 0;
    } catch (StatusRuntimeException e) {
      err.println("example: " + describe(e.getStatus()));
      return 1;
    } finally {
      channel.shutdownNow();
    }
  }

  /** What a caller would do about a failed call. */
  private static String describe(Status status) {
    switch (status.getCode()) {
      case INVALID_ARGUMENT:
        return "bad request (fix the input): " + status;
      case NOT_FOUND:
      case FAILED_PRECONDITION:
        return "widget not set up for this call: " + status;
      case UNAVAILABLE:
        // Also how a refused TLS handshake surfaces: the server does not trust
        // this client's certificate (or got none, or plain text).
        return "identityd unreachable, or it refused this client's certificate (check "
            + String.join(", ", IdentityChannels.TLS_FILE_VARS) + "): " + status;
      case DEADLINE_EXCEEDED:
        return "identityd unreachable (retry later): " + status;
      default:
        return status.toString();
    }
  }
}
