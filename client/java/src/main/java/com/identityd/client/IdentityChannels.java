package com.identityd.client;

import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Opens channels to identityd, the widget identity service, for the generated
 * stubs in {@code com.identityd.identity.v1}.
 *
 * <p>Every Java caller creates its channel here, so that transport security is
 * configured in one place. A production identityd accepts <b>mutual TLS
 * only</b>: the caller trusts the CA that signed identityd's certificate and
 * presents its own certificate and key, whose name (a SPIFFE ID, a DNS name or
 * a CN) the server's policy authorizes. Plain text exists only for a
 * development identityd started with {@code --insecure_loopback}, and must be
 * asked for by name.
 *
 * <pre>{@code
 * // Mutual TLS (production): TlsChannelCredentials from PEM files.
 * ManagedChannel channel = IdentityChannels.mutualTls("identityd.corp:50051",
 *     Path.of("ca.pem"), Path.of("billing.pem"), Path.of("billing.key"));
 * // Plain text: only a development server (identityd --insecure_loopback).
 * ManagedChannel devChannel = IdentityChannels.insecure("127.0.0.1:50051");
 *
 * IdentityServiceGrpc.IdentityServiceBlockingStub stub =
 *     IdentityServiceGrpc.newBlockingStub(channel);
 * IssueEmailHashResponse reply = stub.withDeadlineAfter(5, TimeUnit.SECONDS)
 *     .issueEmailHash(IssueEmailHashRequest.newBuilder()
 *         .setAppId("demo-widget").setEmail("jane@example.com").build());
 * channel.shutdown();
 * }</pre>
 *
 * <p>A server that refuses the client's certificate (none, or one from a CA it
 * does not trust) fails the TLS handshake: the call ends at once with {@code
 * UNAVAILABLE}, it does not wait for its deadline.
 */
public final class IdentityChannels {
  /** The environment variables {@link #fromEnvironment} reads. */
  public static final String TARGET_VAR = "IDENTITYD_TARGET";

  public static final List<String> TLS_FILE_VARS =
      List.of("IDENTITYD_CA_FILE", "IDENTITYD_CERT_FILE", "IDENTITYD_KEY_FILE");
  public static final String INSECURE_VAR = "IDENTITYD_INSECURE";
  public static final String DEFAULT_TARGET = "127.0.0.1:50051";

  private IdentityChannels() {}

  /**
   * Returns the channel credentials of mutual TLS from PEM files: {@code caFile},
   * the CA certificate(s) identityd's certificate must chain to; {@code
   * certFile}, this client's certificate chain (leaf first); {@code keyFile}, its
   * private key (PKCS#8). The files are read once, here (open a new channel to
   * pick up renewed certificates); an unreadable file throws IOException.
   */
  public static ChannelCredentials mutualTlsCredentials(Path caFile, Path certFile, Path keyFile)
      throws IOException {
    return TlsChannelCredentials.newBuilder()
        .trustManager(caFile.toFile())
        .keyManager(certFile.toFile(), keyFile.toFile())
        .build();
  }

  /**
   * Returns a channel to identityd at {@code target} ("host:port") over mutual
   * TLS (see {@link #mutualTlsCredentials}; the server's certificate must name
   * the target's host). It connects lazily, on the first call; every call
   * should carry its own deadline ({@code stub.withDeadlineAfter}). Shut it down
   * when done.
   */
  public static ManagedChannel mutualTls(String target, Path caFile, Path certFile, Path keyFile)
      throws IOException {
    return Grpc.newChannelBuilder(target, mutualTlsCredentials(caFile, certFile, keyFile)).build();
  }

  /**
   * Returns a plain-text channel: only for a development identityd started with
   * {@code --insecure_loopback} (it listens on loopback only). A production
   * identityd refuses it ({@code UNAVAILABLE}).
   */
  public static ManagedChannel insecure(String target) {
    return Grpc.newChannelBuilder(target, InsecureChannelCredentials.create()).build();
  }

  /**
   * Returns a channel as the environment {@code env} asks ({@code
   * System.getenv()}): IDENTITYD_TARGET (default 127.0.0.1:50051), and either
   * IDENTITYD_CA_FILE, IDENTITYD_CERT_FILE and IDENTITYD_KEY_FILE (mutual TLS)
   * or IDENTITYD_INSECURE=1 (plain text, development). Anything else throws
   * IllegalArgumentException saying what to set: a caller never falls back to
   * plain text.
   */
  public static ManagedChannel fromEnvironment(Map<String, String> env) throws IOException {
    String target = env.getOrDefault(TARGET_VAR, "");
    if (target.isEmpty()) {
      target = DEFAULT_TARGET;
    }
    List<String> files = TLS_FILE_VARS.stream().map(name -> env.getOrDefault(name, "")).toList();
    boolean insecure = "1".equals(env.get(INSECURE_VAR));
    boolean anyFile = files.stream().anyMatch(f -> !f.isEmpty());
    if (anyFile && insecure) {
      throw new IllegalArgumentException(
          "set either " + String.join("/", TLS_FILE_VARS) + " or " + INSECURE_VAR + "=1, not both");
    }
    if (files.stream().noneMatch(String::isEmpty)) {
      return mutualTls(target, Path.of(files.get(0)), Path.of(files.get(1)), Path.of(files.get(2)));
    }
    if (insecure) {
      return insecure(target);
    }
    throw new IllegalArgumentException(
        "set " + String.join(", ", TLS_FILE_VARS)
            + " (mutual TLS, which a production identityd requires), or " + INSECURE_VAR
            + "=1 for a development identityd started with --insecure_loopback");
  }
}
