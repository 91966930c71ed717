// Opens connections to identityd, the widget identity service, from Node.js.
//
// There is no generation step: @grpc/proto-loader reads the contract,
// proto/identity/v1/identity.proto, when this module is first loaded (set
// IDENTITYD_PROTO_ROOT to the folder holding identity/v1/identity.proto when
// this package is used outside the repository).
//
// Every Node caller creates its channel here, so that transport security is
// configured in one place. A production identityd accepts mutual TLS only: the
// caller trusts the CA that signed identityd's certificate and presents its own
// certificate and key, whose name (a SPIFFE ID, a DNS name or a CN) the
// server's policy authorizes. Plain text exists only for a development
// identityd started with --insecure_loopback, and must be asked for by name.
//
//   const { connect, connectInsecure, unary } = require("./identityd-client");
//   // Mutual TLS (production): grpc.credentials.createSsl from PEM files.
//   const client = connect("identityd.corp:50051",
//       { caFile: "ca.pem", certFile: "billing.pem", keyFile: "billing.key" });
//   // Plain text: only a development server (identityd --insecure_loopback).
//   const devClient = connectInsecure("127.0.0.1:50051");
//
//   const reply = await unary(client, "IssueEmailHash",
//       { app_id: "demo-widget", email: "jane@example.com" }, { timeoutMs: 5000 });
//   client.close();
//
// A server that refuses the client's certificate (none, or one from a CA it
// does not trust) fails the TLS handshake: the call ends at once with
// UNAVAILABLE, it does not wait for its deadline. Dial the DNS name the
// server's certificate carries: with an IP address as the target, grpc-js
// sends it as the TLS server name and Node warns (DEP0123), though the call
// works when the certificate names that IP.
"use strict";

const fs = require("node:fs");
const path = require("node:path");
const grpc = require("@grpc/grpc-js");
const protoLoader = require("@grpc/proto-loader");

const PROTO_ROOT =
  process.env.IDENTITYD_PROTO_ROOT || path.join(__dirname, "..", "..", "proto");

// Field names stay as in the proto (app_id, not appId), uint64 values become
// Numbers (versions stay far below 2^53), enums their names, and unset fields
// their defaults, so replies look the same as in the other languages.
const packageDefinition = protoLoader.loadSync("identity/v1/identity.proto", {
  includeDirs: [PROTO_ROOT],
  keepCase: true,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
});

/** The loaded `identity.v1` package: IdentityService and the message types. */
const identityV1 = grpc.loadPackageDefinition(packageDefinition).identity.v1;

// The environment variables connectFromEnv() reads (the example and the
// interop test use them).
const TLS_FILE_VARS = ["IDENTITYD_CA_FILE", "IDENTITYD_CERT_FILE", "IDENTITYD_KEY_FILE"];
const INSECURE_VAR = "IDENTITYD_INSECURE";

/**
 * Returns grpc-js ChannelCredentials for mutual TLS from PEM files: `caFile`,
 * the CA certificate(s) identityd's certificate must chain to; `certFile`,
 * this client's certificate chain (leaf first); `keyFile`, its private key.
 * The files are read once, here (connect again to pick up renewed
 * certificates); a missing file throws, naming it.
 */
function mtlsCredentials({ caFile, certFile, keyFile }) {
  return grpc.credentials.createSsl(
    fs.readFileSync(caFile),
    fs.readFileSync(keyFile),
    fs.readFileSync(certFile),
  );
}

/**
 * Returns an IdentityService client for identityd at `target` ("host:port")
 * over mutual TLS (see mtlsCredentials; the server's certificate must name
 * the target's host). The channel connects lazily, on the first call; close()
 * it when done.
 */
function connect(target, tlsFiles) {
  return new identityV1.IdentityService(target, mtlsCredentials(tlsFiles));
}

/**
 * Returns a plain-text client: only for a development identityd started with
 * --insecure_loopback (it listens on loopback only). A production identityd
 * refuses it (UNAVAILABLE).
 */
function connectInsecure(target) {
  return new identityV1.IdentityService(target, grpc.credentials.createInsecure());
}

/**
 * Returns a client as the environment asks: IDENTITYD_TARGET (default
 * 127.0.0.1:50051), and either IDENTITYD_CA_FILE, IDENTITYD_CERT_FILE and
 * IDENTITYD_KEY_FILE (mutual TLS) or IDENTITYD_INSECURE=1 (plain text,
 * development). Anything else throws an Error saying what to set: a caller
 * never falls back to plain text.
 */
function connectFromEnv(env = process.env) {
  const target = env.IDENTITYD_TARGET || "127.0.0.1:50051";
  const [caFile, certFile, keyFile] = TLS_FILE_VARS.map((name) => env[name] || "");
  const insecure = env[INSECURE_VAR] === "1";
  if ((caFile || certFile || keyFile) && insecure) {
    throw new Error(`set either ${TLS_FILE_VARS.join("/")} or ${INSECURE_VAR}=1, not both`);
  }
  if (caFile && certFile && keyFile) return connect(target, { caFile, certFile, keyFile });
  if (insecure) return connectInsecure(target);
  throw new Error(
    `set ${TLS_FILE_VARS.join(", ")} (mutual TLS, which a production identityd requires), ` +
      `or ${INSECURE_VAR}=1 for a development identityd started with --insecure_loopback`,
  );
}

/**
 * Calls the unary RPC `method` ("IssueEmailHash", ...) with a deadline of
 * `timeoutMs` milliseconds and returns a Promise of the reply. A failed call
 * rejects with the grpc-js error: `err.code` is a `grpc.status` value and
 * `err.details` the server's message.
 */
function unary(client, method, request, { timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    client[method](request, { deadline: Date.now() + timeoutMs }, (err, reply) =>
      err ? reject(err) : resolve(reply),
    );
  });
}

module.exports = {
  connect,
  connectInsecure,
  connectFromEnv,
  mtlsCredentials,
  unary,
  identityV1,
  status: grpc.status,
  TLS_FILE_VARS,
  INSECURE_VAR,
};
