// The widget vendor's Node.js "HMAC email hash" snippet, run over test inputs.
//
// Reads email_hash_inputs.json on stdin and prints, for every secret and then
// every email (in the file's order), the snippet's hash on its own line.
// Needs only Node's standard library: node vendor_email_hash.js < inputs.json
"use strict";

const { readFileSync } = require("node:fs");

function vendorEmailHash(secret, email) {
  // ---- Verbatim from seed/identity-verification.md, "JavaScript (Node.js)"
  // tab, with its two constants turned into this function's parameters. ----
  const { createHmac } = require("node:crypto");

  const secretBytes = Buffer.from(secret, "hex");
  const verificationHash = createHmac("sha256", secretBytes)
    .update(email)
    .digest("hex");
  // ---- End of the vendor's snippet. ----
  return verificationHash;
}

const inputs = JSON.parse(readFileSync(0, "utf8"));
const lines = [];
for (const secret of inputs.secrets) {
  for (const email of inputs.emails) {
    lines.push(vendorEmailHash(secret, email));
  }
}
process.stdout.write(lines.join("\n") + "\n");
