// Checks, against a real identityd, that the Node client gets proofs Node's
// own libraries accept: the email hash equals the vendor's Node snippet
// (createHmac with Buffer.from(secret, "hex")), the JWT verifies with
// jsonwebtoken (the library the vendor's own snippet uses), and errors arrive
// as grpc.status codes. Every call goes over mutual TLS, as to a production
// identityd; clients without an acceptable certificate are refused at once
// (UNAVAILABLE), not left waiting; plain text (IDENTITYD_INSECURE=1) reaches a
// development identityd.
//
// ctest runs it (test interop.node) with `node --test`, through
// tests/support/run_with_identityd.py --mtls, which starts the server with the
// development PKI and sets the IDENTITYD_* variables read here.
"use strict";

const assert = require("node:assert/strict");
const { createHash, createHmac } = require("node:crypto");
const { execFile } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");
const { after, before, describe, test } = require("node:test");
const jwt = require("jsonwebtoken");

const grpc = require("@grpc/grpc-js");
const {
  connect, connectInsecure, connectFromEnv, unary, identityV1, status, TLS_FILE_VARS, INSECURE_VAR,
} = require("./identityd-client");

const CALL_TIMEOUT_MS = 10000;
// A refused handshake ends a call at once; half the deadline is far from it.
const REFUSAL_WITHIN_MS = CALL_TIMEOUT_MS / 2;

// Emails hashed and signed exactly as given (Unicode, quotes, SHA-256 padding
// boundaries, 254 bytes): the list every suite shares with the C++ vectors.
const EMAILS = JSON.parse(
  fs.readFileSync(path.join(__dirname, "..", "..", "tests", "testdata", "email_hash_inputs.json"), "utf8"),
).emails;
const LOWER_HEX_64 = /^[0-9a-f]{64}$/;
const BASE64URL_43 = /^[A-Za-z0-9_-]{43}$/;

function env(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: run this test through tests/support/run_with_identityd.py ` +
        "(ctest -R interop.node)",
    );
  }
  return value;
}

function readSecret(fileVar) {
  return fs.readFileSync(env(fileVar), "ascii").replace(/\n$/, "");
}

// The vendor's Node snippet (seed/identity-verification.md), as a function.
function vendorEmailHash(secret, email) {
  const secretBytes = Buffer.from(secret, "hex");
  const verificationHash = createHmac("sha256", secretBytes).update(email).digest("hex");
  return verificationHash;
}

// Verifies `token` with jsonwebtoken: HS256 only, aud = appId, exp checked.
function verify(token, key, appId) {
  return jwt.verify(token, key, { algorithms: ["HS256"], audience: appId, complete: true });
}

describe("identityd from Node.js", () => {
  let client;
  let appId;
  const call = (method, request, timeoutMs = CALL_TIMEOUT_MS) =>
    unary(client, method, request, { timeoutMs });

  before(() => {
    client = connect(env("IDENTITYD_TARGET"), {
      caFile: env("IDENTITYD_CA_FILE"),
      certFile: env("IDENTITYD_CERT_FILE"),
      keyFile: env("IDENTITYD_KEY_FILE"),
    });
    appId = env("IDENTITYD_APP_ID");
  });
  after(() => client.close());

  test("email hash equals the vendor's Node snippet", async () => {
    const secret = readSecret("IDENTITYD_EMAIL_HASH_SECRET_FILE");
    for (const email of EMAILS) {
      const reply = await call("IssueEmailHash", { app_id: appId, email });
      assert.equal(reply.email_hash, vendorEmailHash(secret, email), email);
      assert.match(reply.email_hash, LOWER_HEX_64);
      assert.equal(reply.secret_version, 1);
    }
  });

  test("bulk email hashes equal the vendor's Node snippet, a bad email fails alone", async () => {
    const secret = readSecret("IDENTITYD_EMAIL_HASH_SECRET_FILE");
    const emails = [...EMAILS, "not-an-email"];
    const reply = await call("IssueEmailHashes", { app_id: appId, emails });
    assert.equal(reply.results.length, emails.length);
    EMAILS.forEach((email, i) => {
      assert.equal(reply.results[i].result, "email_hash", email);
      assert.equal(reply.results[i].email_hash, vendorEmailHash(secret, email), email);
    });
    const bad = reply.results[EMAILS.length];
    assert.equal(bad.result, "error");
    assert.equal(bad.error.code, status.INVALID_ARGUMENT);
    assert.equal(bad.error.message, `emails[${EMAILS.length}]: must contain exactly one '@'`);
    assert.equal(reply.secret_version, 1);
    await assert.rejects(
      call("IssueEmailHashes", { app_id: appId, emails: Array(1001).fill("jane@example.com") }),
      (err) => err.code === status.INVALID_ARGUMENT &&
        err.details === "emails: at most 1000 per call; got 1001",
    );
  });

  test("email hash with an upper-case hex secret", async () => {
    const secret = readSecret("IDENTITYD_HASH_ONLY_SECRET_FILE");
    assert.equal(secret, secret.toUpperCase());
    const reply = await call("IssueEmailHash", {
      app_id: env("IDENTITYD_HASH_ONLY_APP_ID"),
      email: "jane@example.com",
    });
    assert.equal(reply.email_hash, vendorEmailHash(secret, "jane@example.com"));
  });

  test("widget token verifies with jsonwebtoken", async () => {
    const secret = readSecret("IDENTITYD_JWT_SECRET_FILE");
    for (const email of EMAILS) {
      const t0 = Math.floor(Date.now() / 1000);
      const reply = await call("IssueWidgetToken", { app_id: appId, email });
      const t1 = Math.floor(Date.now() / 1000);
      const { header, payload } = verify(reply.jwt, secret, appId);
      assert.deepEqual(header, { alg: "HS256", typ: "JWT" });
      assert.equal(payload.email, email);
      assert.equal(payload.aud, appId);
      assert.ok(payload.iat >= t0 - 1 && payload.iat <= t1 + 1, `iat ${payload.iat}`);
      assert.equal(payload.exp - payload.iat, 600);
      assert.equal(reply.expires_at.seconds, payload.exp);
      assert.deepEqual(Object.keys(payload).sort(), ["aud", "email", "exp", "iat"]);
    }
  });

  test("optional claims and ttl round-trip", async () => {
    const name = 'Jané "JD" O\'Brien \\ 用户';
    const reply = await call("IssueWidgetToken", {
      app_id: appId,
      email: "jane@example.com",
      name,
      account_id: "acc_1",
      account_external_id: "ext-acc-9",
      contact_id: "c_2",
      contact_external_id: "ext-c-7",
      ttl: { seconds: 900 },
    });
    const { payload } = verify(reply.jwt, readSecret("IDENTITYD_JWT_SECRET_FILE"), appId);
    const { name: n, account_id, account_external_id, contact_id, contact_external_id } = payload;
    assert.deepEqual(
      { name: n, account_id, account_external_id, contact_id, contact_external_id },
      {
        name,
        account_id: "acc_1",
        account_external_id: "ext-acc-9",
        contact_id: "c_2",
        contact_external_id: "ext-c-7",
      },
    );
    assert.equal(payload.exp - payload.iat, 900);
  });

  test("wrong audience or key is rejected", async () => {
    const secret = readSecret("IDENTITYD_JWT_SECRET_FILE");
    const { jwt: token } = await call("IssueWidgetToken", { app_id: appId, email: "a@b.co" });
    assert.throws(() => verify(token, secret, "another-widget"), /jwt audience invalid/);
    assert.throws(() => verify(token, secret + "x", appId), /invalid signature/);
  });

  test("RotateSecret generates secrets that Node's libraries accept", async () => {
    const app = "interop-node-rotated";
    const hashed = await call("RotateSecret", {
      app_id: app,
      kind: "SECRET_KIND_EMAIL_HASH",
      generate: true,
    });
    assert.equal(hashed.version, 1);
    assert.match(hashed.generated_secret, LOWER_HEX_64);
    assert.equal(
      hashed.fingerprint,
      createHash("sha256").update(Buffer.from(hashed.generated_secret, "hex")).digest("hex").slice(0, 16),
    );
    const issued = await call("IssueEmailHash", { app_id: app, email: "jane@example.com" });
    assert.equal(issued.email_hash, vendorEmailHash(hashed.generated_secret, "jane@example.com"));

    const rotated = await call("RotateSecret", {
      app_id: app,
      kind: "SECRET_KIND_JWT",
      generate: true,
      expected_version: 0,
    });
    assert.match(rotated.generated_secret, BASE64URL_43);
    const { jwt: token } = await call("IssueWidgetToken", { app_id: app, email: "jane@example.com" });
    assert.equal(verify(token, rotated.generated_secret, app).payload.email, "jane@example.com");

    // A stale compare-and-swap guard changes nothing.
    await assert.rejects(
      call("RotateSecret", { app_id: app, kind: "SECRET_KIND_JWT", generate: true, expected_version: 0 }),
      (err) => err.code === status.ABORTED,
    );
  });

  test("errors surface as grpc.status codes", async () => {
    const cases = [
      ["unknown app_id", "IssueEmailHash", { app_id: "no-such-widget", email: "a@b.co" },
        status.NOT_FOUND, "app_id"],
      ["bad email", "IssueEmailHash", { app_id: appId, email: "not-an-email" },
        status.INVALID_ARGUMENT, "email"],
      ["no JWT secret", "IssueWidgetToken",
        { app_id: env("IDENTITYD_HASH_ONLY_APP_ID"), email: "a@b.co" },
        status.FAILED_PRECONDITION, ""],
      ["ttl too long", "IssueWidgetToken", { app_id: appId, email: "a@b.co", ttl: { seconds: 901 } },
        status.INVALID_ARGUMENT, "ttl"],
    ];
    for (const [name, method, request, code, field] of cases) {
      await assert.rejects(call(method, request), (err) => {
        assert.equal(err.code, code, `${name}: ${err.message}`);
        assert.ok(err.details.startsWith(field), `${name}: ${err.details}`);
        return true;
      });
    }
    await assert.rejects(
      call("IssueEmailHash", { app_id: appId, email: "a@b.co" }, -1000),
      (err) => err.code === status.DEADLINE_EXCEEDED,
    );
  });

  // A call from `refused` fails the TLS handshake: UNAVAILABLE, long before
  // its deadline.
  async function assertRefused(refused) {
    const started = Date.now();
    try {
      await assert.rejects(
        unary(refused, "IssueEmailHash", { app_id: appId, email: "a@b.co" },
          { timeoutMs: CALL_TIMEOUT_MS }),
        (err) => {
          assert.equal(err.code, status.UNAVAILABLE, err.message);
          return true;
        },
      );
      assert.ok(Date.now() - started < REFUSAL_WITHIN_MS, `refusal took ${Date.now() - started} ms`);
    } finally {
      refused.close();
    }
  }

  test("a client without a certificate is refused", async () => {
    const trustsTheServerOnly = grpc.credentials.createSsl(fs.readFileSync(env("IDENTITYD_CA_FILE")));
    await assertRefused(new identityV1.IdentityService(env("IDENTITYD_TARGET"), trustsTheServerOnly));
  });

  test("a client with a certificate from another CA is refused", async () => {
    await assertRefused(connect(env("IDENTITYD_TARGET"), {
      caFile: env("IDENTITYD_CA_FILE"),
      certFile: env("IDENTITYD_FOREIGN_CERT_FILE"),
      keyFile: env("IDENTITYD_FOREIGN_KEY_FILE"),
    }));
  });

  test("a plain-text client is refused", async () => {
    await assertRefused(connectInsecure(env("IDENTITYD_TARGET")));
  });

  test("IDENTITYD_INSECURE=1 reaches an identityd started with --insecure_loopback", async () => {
    const plain = connectFromEnv({
      IDENTITYD_TARGET: env("IDENTITYD_INSECURE_TARGET"),
      IDENTITYD_INSECURE: "1",
    });
    try {
      const reply = await unary(plain, "IssueEmailHash", { app_id: appId, email: "jane@example.com" },
        { timeoutMs: CALL_TIMEOUT_MS });
      assert.equal(reply.email_hash,
        vendorEmailHash(readSecret("IDENTITYD_EMAIL_HASH_SECRET_FILE"), "jane@example.com"));
    } finally {
      plain.close();
    }
  });

  // Runs example.js with `environment`; resolves to { code, stdout, stderr }.
  const runExample = (environment) =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        [path.join(__dirname, "example.js"), appId, "jane@example.com"],
        { timeout: 60000, env: environment },
        (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }),
      );
    });

  test("example.js, the program the README shows, works", async () => {
    const { code, stdout, stderr } = await runExample(process.env);
    assert.equal(code, 0, stderr);
    for (const want of ["email_hash: ", "jwt: ", "rotated ", "unknown widget: NOT_FOUND"]) {
      assert.ok(stdout.includes(want), `example output lacks ${want}:\n${stdout}`);
    }
  });

  test("example.js never falls back to plain text", async () => {
    const environment = { ...process.env };
    for (const name of [...TLS_FILE_VARS, INSECURE_VAR]) delete environment[name];
    const { code, stdout, stderr } = await runExample(environment);
    assert.notEqual(code, 0);
    assert.ok(!stdout.includes("email_hash"), stdout);
    assert.ok(stderr.includes("IDENTITYD_CA_FILE") && stderr.includes("IDENTITYD_INSECURE=1"), stderr);
  });
});
