package com.identityd.client.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.IncorrectClaimException;
import com.auth0.jwt.exceptions.SignatureVerificationException;
import com.auth0.jwt.interfaces.DecodedJWT;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.Duration;
import com.identityd.client.IdentityChannels;
import com.identityd.client.example.Example;
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
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Checks, against a real identityd, that the Java client gets proofs Java's own
 * libraries accept: the email hash equals the vendor's recipe with
 * {@code javax.crypto.Mac} and the hex-decoded key, the JWT verifies with
 * com.auth0:java-jwt, and errors arrive as {@link Status.Code} values. Every
 * call goes over mutual TLS, as to a production identityd; clients without an
 * acceptable certificate are refused at once ({@code UNAVAILABLE}), not left
 * waiting; plain text (IDENTITYD_INSECURE=1) reaches a development identityd.
 *
 * <p>ctest runs it (test interop.java) with the JUnit Console Launcher and
 * tests/support/run_with_identityd.py --mtls, which starts the server with the
 * development PKI and sets the IDENTITYD_* variables read here.
 */
class InteropTest {
  private static final long CALL_TIMEOUT_SECONDS = 10;

  /**
   * Holds the emails hashed and signed exactly as given (Unicode, quotes,
   * SHA-256 padding boundaries, 254 bytes): the list every suite shares with the
   * C++ vectors. ctest runs this test in client/java.
   */
  private static final Path EMAILS_FILE = Path.of("../../tests/testdata/email_hash_inputs.json");

  private static List<String> emails;

  private static ManagedChannel channel;
  private static String appId;

  @BeforeAll
  static void connect() throws IOException {
    channel = IdentityChannels.mutualTls(env("IDENTITYD_TARGET"), envPath("IDENTITYD_CA_FILE"),
        envPath("IDENTITYD_CERT_FILE"), envPath("IDENTITYD_KEY_FILE"));
    appId = env("IDENTITYD_APP_ID");
    try {
      ObjectMapper json = new ObjectMapper();
      emails = List.of(json.treeToValue(json.readTree(EMAILS_FILE.toFile()).get("emails"), String[].class));
    } catch (IOException e) {
      throw new UncheckedIOException("reading " + EMAILS_FILE, e);
    }
  }

  @AfterAll
  static void disconnect() throws InterruptedException {
    channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
  }

  private static String env(String name) {
    String value = System.getenv(name);
    if (value == null || value.isEmpty()) {
      throw new IllegalStateException(
          name
              + " is not set: run this test through tests/support/run_with_identityd.py"
              + " (ctest -R interop.java)");
    }
    return value;
  }

  private static Path envPath(String name) {
    return Path.of(env(name));
  }

  private static String readSecret(String fileVar) throws IOException {
    return Files.readString(Path.of(env(fileVar)), StandardCharsets.US_ASCII).stripTrailing();
  }

  /** The vendor's email-hash recipe in Java: HMAC-SHA256 keyed with hex_decode(secret). */
  private static String vendorEmailHash(String email, String secret) throws GeneralSecurityException {
    byte[] secretBytes = HexFormat.of().parseHex(secret);
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(secretBytes, "HmacSHA256"));
    return HexFormat.of().formatHex(mac.doFinal(email.getBytes(StandardCharsets.UTF_8)));
  }

  /** Verifies {@code token} with java-jwt: HS256 over the secret as displayed, aud = appId. */
  private static DecodedJWT verify(String token, String key, String audience) {
    return JWT.require(Algorithm.HMAC256(key)).withAudience(audience).build().verify(token);
  }

  private static IdentityServiceBlockingStub stub() {
    return IdentityServiceGrpc.newBlockingStub(channel)
        .withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS);
  }

  private static IssueEmailHashResponse hash(String app, String email) {
    return stub().issueEmailHash(IssueEmailHashRequest.newBuilder().setAppId(app).setEmail(email).build());
  }

  private static IssueWidgetTokenResponse token(String app, String email) {
    return stub().issueWidgetToken(IssueWidgetTokenRequest.newBuilder().setAppId(app).setEmail(email).build());
  }

  private static RotateSecretRequest.Builder generate(String app, SecretKind kind) {
    return RotateSecretRequest.newBuilder().setAppId(app).setKind(kind).setGenerate(true);
  }

  @Test
  void emailHashEqualsVendorRecipe() throws Exception {
    String secret = readSecret("IDENTITYD_EMAIL_HASH_SECRET_FILE");
    for (String email : emails) {
      IssueEmailHashResponse reply = hash(appId, email);
      assertEquals(vendorEmailHash(email, secret), reply.getEmailHash(), email);
      assertTrue(reply.getEmailHash().matches("[0-9a-f]{64}"));
      assertEquals(1, reply.getSecretVersion());
    }
  }

  @Test
  void bulkEmailHashesEqualVendorRecipeAndABadEmailFailsAlone() throws Exception {
    String secret = readSecret("IDENTITYD_EMAIL_HASH_SECRET_FILE");
    IssueEmailHashesResponse reply =
        stub().issueEmailHashes(
            IssueEmailHashesRequest.newBuilder()
                .setAppId(appId)
                .addAllEmails(emails)
                .addEmails("not-an-email")
                .build());
    assertEquals(emails.size() + 1, reply.getResultsCount());
    for (int i = 0; i < emails.size(); i++) {
      EmailHashResult result = reply.getResults(i);
      assertEquals(EmailHashResult.ResultCase.EMAIL_HASH, result.getResultCase(), emails.get(i));
      assertEquals(vendorEmailHash(emails.get(i), secret), result.getEmailHash(), emails.get(i));
    }
    EmailHashResult bad = reply.getResults(emails.size());
    assertEquals(EmailHashResult.ResultCase.ERROR, bad.getResultCase());
    assertEquals(Status.Code.INVALID_ARGUMENT.value(), bad.getError().getCode());
    assertEquals(
        "emails[" + emails.size() + "]: must contain exactly one '@'", bad.getError().getMessage());
    assertEquals(1, reply.getSecretVersion());
    IssueEmailHashesRequest.Builder tooMany = IssueEmailHashesRequest.newBuilder().setAppId(appId);
    for (int i = 0; i < 1001; i++) tooMany.addEmails("jane@example.com");
    StatusRuntimeException err =
        assertThrows(StatusRuntimeException.class, () -> stub().issueEmailHashes(tooMany.build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, err.getStatus().getCode());
    assertEquals("emails: at most 1000 per call; got 1001", err.getStatus().getDescription());
  }

  @Test
  void emailHashWithUpperCaseHexSecret() throws Exception {
    String secret = readSecret("IDENTITYD_HASH_ONLY_SECRET_FILE");
    assertEquals(secret.toUpperCase(), secret);
    IssueEmailHashResponse reply = hash(env("IDENTITYD_HASH_ONLY_APP_ID"), "jane@example.com");
    assertEquals(vendorEmailHash("jane@example.com", secret), reply.getEmailHash());
  }

  @Test
  void widgetTokenVerifiesWithJavaJwt() throws Exception {
    String secret = readSecret("IDENTITYD_JWT_SECRET_FILE");
    for (String email : emails) {
      long before = System.currentTimeMillis() / 1000;
      IssueWidgetTokenResponse reply = token(appId, email);
      long after = System.currentTimeMillis() / 1000;
      DecodedJWT jwt = verify(reply.getJwt(), secret, appId);
      assertEquals("HS256", jwt.getAlgorithm());
      assertEquals("JWT", jwt.getType());
      assertEquals(null, jwt.getKeyId());
      assertEquals(email, jwt.getClaim("email").asString());
      assertEquals(List.of(appId), jwt.getAudience());
      long iat = jwt.getIssuedAtAsInstant().getEpochSecond();
      long exp = jwt.getExpiresAtAsInstant().getEpochSecond();
      assertTrue(iat >= before - 1 && iat <= after + 1, "iat " + iat);
      assertEquals(600, exp - iat);
      assertEquals(exp, reply.getExpiresAt().getSeconds());
      assertEquals(Set.of("aud", "email", "exp", "iat"), new TreeSet<>(jwt.getClaims().keySet()));
    }
  }

  @Test
  void optionalClaimsAndTtlRoundTrip() throws Exception {
    String name = "Jané \"JD\" O'Brien \\ 用户";
    IssueWidgetTokenResponse reply =
        stub()
            .issueWidgetToken(
                IssueWidgetTokenRequest.newBuilder()
                    .setAppId(appId)
                    .setEmail("jane@example.com")
                    .setName(name)
                    .setAccountId("acc_1")
                    .setAccountExternalId("ext-acc-9")
                    .setContactId("c_2")
                    .setContactExternalId("ext-c-7")
                    .setTtl(Duration.newBuilder().setSeconds(900))
                    .build());
    DecodedJWT jwt = verify(reply.getJwt(), readSecret("IDENTITYD_JWT_SECRET_FILE"), appId);
    Map<String, String> expected =
        Map.of(
            "name", name,
            "account_id", "acc_1",
            "account_external_id", "ext-acc-9",
            "contact_id", "c_2",
            "contact_external_id", "ext-c-7");
    expected.forEach((claim, value) -> assertEquals(value, jwt.getClaim(claim).asString(), claim));
    assertEquals(
        900, jwt.getExpiresAtAsInstant().getEpochSecond() - jwt.getIssuedAtAsInstant().getEpochSecond());
  }

  @Test
  void wrongAudienceOrKeyIsRejected() throws Exception {
    String secret = readSecret("IDENTITYD_JWT_SECRET_FILE");
    String jwt = token(appId, "a@b.co").getJwt();
    assertThrows(IncorrectClaimException.class, () -> verify(jwt, secret, "another-widget"));
    assertThrows(SignatureVerificationException.class, () -> verify(jwt, secret + "x", appId));
  }

  @Test
  void rotateSecretGenerate() throws Exception {
    String app = "interop-java-rotated";
    RotateSecretResponse hashed = stub().rotateSecret(generate(app, SecretKind.SECRET_KIND_EMAIL_HASH).build());
    assertEquals(1, hashed.getVersion());
    assertTrue(hashed.getGeneratedSecret().matches("[0-9a-f]{64}"));
    byte[] digest =
        MessageDigest.getInstance("SHA-256").digest(HexFormat.of().parseHex(hashed.getGeneratedSecret()));
    assertEquals(HexFormat.of().formatHex(digest).substring(0, 16), hashed.getFingerprint());
    assertEquals(
        vendorEmailHash("jane@example.com", hashed.getGeneratedSecret()),
        hash(app, "jane@example.com").getEmailHash());

    RotateSecretResponse rotated =
        stub().rotateSecret(generate(app, SecretKind.SECRET_KIND_JWT).setExpectedVersion(0).build());
    assertTrue(rotated.getGeneratedSecret().matches("[A-Za-z0-9_-]{43}"));
    DecodedJWT jwt = verify(token(app, "jane@example.com").getJwt(), rotated.getGeneratedSecret(), app);
    assertEquals("jane@example.com", jwt.getClaim("email").asString());

    // A stale compare-and-swap guard changes nothing.
    assertStatus(
        Status.Code.ABORTED,
        "expected_version",
        () -> stub().rotateSecret(generate(app, SecretKind.SECRET_KIND_JWT).setExpectedVersion(0).build()));
  }

  @Test
  void errorsSurfaceAsStatusCodes() {
    assertStatus(Status.Code.NOT_FOUND, "app_id", () -> hash("no-such-widget", "a@b.co"));
    assertStatus(Status.Code.INVALID_ARGUMENT, "email", () -> hash(appId, "not-an-email"));
    assertStatus(
        Status.Code.FAILED_PRECONDITION, "", () -> token(env("IDENTITYD_HASH_ONLY_APP_ID"), "a@b.co"));
    assertStatus(
        Status.Code.INVALID_ARGUMENT,
        "ttl",
        () ->
            stub()
                .issueWidgetToken(
                    IssueWidgetTokenRequest.newBuilder()
                        .setAppId(appId)
                        .setEmail("a@b.co")
                        .setTtl(Duration.newBuilder().setSeconds(901))
                        .build()));
    assertStatus(
        Status.Code.DEADLINE_EXCEEDED,
        "",
        () ->
            IdentityServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(-1, TimeUnit.SECONDS)
                .issueEmailHash(IssueEmailHashRequest.newBuilder().setAppId(appId).setEmail("a@b.co").build()));
  }

  private static void assertStatus(Status.Code code, String field, Supplier<?> call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::get);
    assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
    String description = e.getStatus().getDescription() == null ? "" : e.getStatus().getDescription();
    assertTrue(description.startsWith(field), description);
  }

  /** A call on {@code refused} fails the TLS handshake: UNAVAILABLE, long before its deadline. */
  private static void assertRefused(ManagedChannel refused) throws InterruptedException {
    try {
      long started = System.nanoTime();
      StatusRuntimeException e =
          assertThrows(
              StatusRuntimeException.class,
              () ->
                  IdentityServiceGrpc.newBlockingStub(refused)
                      .withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
                      .issueEmailHash(
                          IssueEmailHashRequest.newBuilder().setAppId(appId).setEmail("a@b.co").build()));
      assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getStatus().toString());
      long elapsedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      assertTrue(elapsedMillis < CALL_TIMEOUT_SECONDS * 1000 / 2, "refusal took " + elapsedMillis + " ms");
    } finally {
      refused.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void clientWithoutCertificateIsRefused() throws IOException, InterruptedException {
    ChannelCredentials trustsTheServerOnly =
        TlsChannelCredentials.newBuilder().trustManager(envPath("IDENTITYD_CA_FILE").toFile()).build();
    assertRefused(Grpc.newChannelBuilder(env("IDENTITYD_TARGET"), trustsTheServerOnly).build());
  }

  @Test
  void clientWithCertificateFromAnotherCaIsRefused() throws IOException, InterruptedException {
    assertRefused(
        IdentityChannels.mutualTls(env("IDENTITYD_TARGET"), envPath("IDENTITYD_CA_FILE"),
            envPath("IDENTITYD_FOREIGN_CERT_FILE"), envPath("IDENTITYD_FOREIGN_KEY_FILE")));
  }

  @Test
  void plainTextClientIsRefused() throws InterruptedException {
    assertRefused(IdentityChannels.insecure(env("IDENTITYD_TARGET")));
  }

  /** IDENTITYD_INSECURE=1 reaches an identityd started with --insecure_loopback. */
  @Test
  void plainTextToADevelopmentIdentityd() throws Exception {
    ManagedChannel plain =
        IdentityChannels.fromEnvironment(
            Map.of("IDENTITYD_TARGET", env("IDENTITYD_INSECURE_TARGET"), "IDENTITYD_INSECURE", "1"));
    try {
      IssueEmailHashResponse reply =
          IdentityServiceGrpc.newBlockingStub(plain)
              .withDeadlineAfter(CALL_TIMEOUT_SECONDS, TimeUnit.SECONDS)
              .issueEmailHash(
                  IssueEmailHashRequest.newBuilder().setAppId(appId).setEmail("jane@example.com").build());
      assertEquals(
          vendorEmailHash("jane@example.com", readSecret("IDENTITYD_EMAIL_HASH_SECRET_FILE")),
          reply.getEmailHash());
    } finally {
      plain.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  /** Example, the program the README shows, works against the same server. */
  @Test
  void exampleProgram() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        Example.run(
            new String[] {appId, "jane@example.com"},
            System.getenv(),
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    String stdout = out.toString(StandardCharsets.UTF_8);
    if (status != 0) {
      fail("example failed: " + err.toString(StandardCharsets.UTF_8));
    }
    for (String want : List.of("email_hash: ", "jwt: ", "rotated ", "unknown widget: NOT_FOUND")) {
      assertTrue(stdout.contains(want), "example output lacks " + want + ":\n" + stdout);
    }
  }

  /**
   * Without the TLS files and without IDENTITYD_INSECURE=1, Example stops and
   * says what to set: it never falls back to plain text.
   */
  @Test
  void exampleNeverFallsBackToPlainText() {
    Map<String, String> env = new HashMap<>(System.getenv());
    IdentityChannels.TLS_FILE_VARS.forEach(env::remove);
    env.remove(IdentityChannels.INSECURE_VAR);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int status =
        Example.run(
            new String[] {appId},
            env,
            new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
    String stderr = err.toString(StandardCharsets.UTF_8);
    assertTrue(status != 0, "exit status " + status);
    assertTrue(out.toString(StandardCharsets.UTF_8).isEmpty(), out.toString(StandardCharsets.UTF_8));
    assertTrue(stderr.contains("IDENTITYD_CA_FILE") && stderr.contains("IDENTITYD_INSECURE=1"), stderr);
  }
}
