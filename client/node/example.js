// Calls identityd's three RPCs from Node.js, each with a deadline, and shows
// how a caller tells the error statuses apart.
//
// Mutual TLS, as a production identityd requires (the client's certificate
// must be one the server's policy grants the calls below, e.g. the "ops"
// client of scripts/run --mtls):
//
//   IDENTITYD_TARGET=identityd.corp:50051 IDENTITYD_CA_FILE=ca.pem \
//   IDENTITYD_CERT_FILE=ops.pem IDENTITYD_KEY_FILE=ops.key node example.js [APP_ID [EMAIL]]
//
// Plain text, only against a development identityd (scripts/run, which starts
// it with --insecure_loopback):
//
//   IDENTITYD_TARGET=127.0.0.1:50051 IDENTITYD_INSECURE=1 node example.js [APP_ID [EMAIL]]
//
// With neither, it stops and says what to set: it never falls back to plain
// text.
//
// APP_ID defaults to demo-widget (the widget scripts/run configures), EMAIL to
// jane@example.com. The rotation step registers (or rotates) the JWT secret of
// a separate widget, APP_ID + "-rotated", so that APP_ID's secrets stay as
// they are. Secrets are never printed: only versions and fingerprints.
"use strict";

const { connectFromEnv, unary, status } = require("./identityd-client");

// identityd answers in microseconds: a call that takes seconds means the
// service is unreachable or overloaded.
const CALL_TIMEOUT_MS = 5000;

async function main([appId = "demo-widget", email = "jane@example.com"]) {
  let client;
  try {
    // connect(target, { caFile, certFile, keyFile }) for mutual TLS,
    // connectInsecure(target) for plain text: chosen from the environment.
    client = connectFromEnv();
  } catch (err) {
    console.error(`example: ${err.message}`);
    return 2;
  }
  const call = (method, request) => unary(client, method, request, { timeoutMs: CALL_TIMEOUT_MS });
  try {
    // 1. The HMAC email hash, for the widget's `email_hash`.
    const hash = await call("IssueEmailHash", { app_id: appId, email });
    console.log(`email_hash: ${hash.email_hash} (secret version ${hash.secret_version})`);

    // 1b. Many hashes in one call (backfills, exports; at most 1,000 emails):
    // one result per email, in order; a bad email gets its own error.
    const batch = await call("IssueEmailHashes", { app_id: appId, emails: [email, "not-an-email"] });
    for (const r of batch.results) {
      console.log(r.error ? `not hashed: ${r.error.message}` : `email_hash: ${r.email_hash}`);
    }

    // 2. A widget JWT with an optional claim and an explicit lifetime.
    const token = await call("IssueWidgetToken", {
      app_id: appId,
      email,
      name: "Jane Doe",
      ttl: { seconds: 600 },
    });
    console.log(`jwt: ${token.jwt}`);
    console.log(`expires_at: ${new Date(token.expires_at.seconds * 1000).toISOString()}`);

    // 3. Rotation (an operator's call): a generated JWT secret, returned once.
    const rotated = `${appId}-rotated`;
    const rotation = await call("RotateSecret", {
      app_id: rotated,
      kind: "SECRET_KIND_JWT",
      generate: true,
    });
    // A real operator stores rotation.generated_secret in the widget vendor's
    // settings now; it is never shown again, and never logged.
    console.log(
      `rotated ${rotated}: JWT secret version ${rotation.version}, fingerprint ` +
        `${rotation.fingerprint} (${rotation.generated_secret.length}-character secret not shown)`,
    );

    // 4. Errors arrive as gRPC status codes: an unknown widget is NOT_FOUND.
    try {
      await call("IssueEmailHash", { app_id: "no-such-widget", email });
      throw new Error("an unknown widget was accepted");
    } catch (err) {
      if (err.code !== status.NOT_FOUND) throw err;
      console.log(`unknown widget: ${status[err.code]}`);
    }
    return 0;
  } catch (err) {
    console.error(`example: ${describe(err)}`);
    return 1;
  } finally {
    client.close();
  }
}

// What a caller would do about a failed call.
function describe(err) {
  if (err.code === undefined) return err.message;
  const name = status[err.code];
  switch (err.code) {
    case status.INVALID_ARGUMENT:
      return `bad request (fix the input): ${name}: ${err.details}`;
    case status.NOT_FOUND:
    case status.FAILED_PRECONDITION:
      return `widget not set up for this call: ${name}: ${err.details}`;
    case status.UNAVAILABLE:
      // Also how a refused TLS handshake surfaces: the server does not trust
      // this client's certificate (or got none, or plain text).
      return (
        "identityd unreachable, or it refused this client's certificate " +
        `(check IDENTITYD_CA_FILE, IDENTITYD_CERT_FILE, IDENTITYD_KEY_FILE): ${name}: ${err.details}`
      );
    case status.DEADLINE_EXCEEDED:
      return `identityd unreachable (retry later): ${name}: ${err.details}`;
    default:
      return `${name}: ${err.details}`;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
