// Opens connections to identityd, the widget identity service, from Node.js.
//
// There is no generation step: @grpc/proto-loader reads the contract,
// proto/identity/v1/identity.proto, when this module is first loaded (set
// IDENTITYD_PROTO_ROOT to the folder holding identity/v1/identity.proto when
// this package is used outside the repository).
//
// Every Node caller creates its channel here, so that transport security is
// configured in one place: identityd serves plain text only on loopback
// (--insecure_loopback, for development and tests); TLS credentials belong in
// connect() when the server offers them.
//
//   const { connect, unary } = require("./identityd-client");
//   const client = connect("127.0.0.1:50051");
//   const reply = await unary(client, "IssueEmailHash",
//       { app_id: "demo-widget", email: "jane@example.com" }, { timeoutMs: 5000 });
//   client.close();
"use strict";

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

/**
 * Returns an IdentityService client for identityd at `target` ("host:port").
 * The channel connects lazily, on the first call; close() it when done.
 */
function connect(target) {
  // Plain text: today's identityd accepts it only on a loopback address.
  return new identityV1.IdentityService(target, grpc.credentials.createInsecure());
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

module.exports = { connect, unary, identityV1, status: grpc.status };
