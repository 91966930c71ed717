// Widget JWTs made by the vendor's Node.js snippet (jsonwebtoken, pinned in
// client/node/package-lock.json), correct or with one fault, for
// verify_interop_test.py. Reads {"secret", "app_id", "email", "fault"} as
// JSON on stdin and prints the token. Run with NODE_PATH pointing at
// client/node/node_modules.
"use strict";

const { readFileSync } = require("node:fs");

// ---- Verbatim from seed/identity-verification.md, "JavaScript (Node.js)"
// JWT tab. ----
const jwt = require("jsonwebtoken");

function createChatWidgetJWT(secret, appID, email, name = "") {
  const now = Math.floor(Date.now() / 1000);

  return jwt.sign(
    {
      email,
      name,
      aud: appID,
      iat: now,
      exp: now + 10 * 60,
    },
    secret,
    { algorithm: "HS256" },
  );
}
// ---- End of the vendor's snippet. ----

// The snippet's claims with one thing changed, signed the same way.
function withFault(secret, appID, email, fault) {
  const now = Math.floor(Date.now() / 1000);
  const claims = { email, name: "", aud: appID, iat: now, exp: now + 10 * 60 };
  let key = secret;
  switch (fault) {
    case "wrong_secret":
      key = "not the widget's secret, but long enough";
      break;
    case "wrong_aud":
      claims.aud = appID + "-other";
      break;
    case "expired":
      claims.iat = now - 20 * 60;
      claims.exp = now - 10 * 60;
      break;
    case "lifetime_16min":
      claims.exp = now + 16 * 60;
      break;
    case "alg_none":
      return jwt.sign(claims, null, { algorithm: "none" });
    case "tampered": {
      const token = createChatWidgetJWT(secret, appID, email);
      const [header, , signature] = token.split(".");
      const forged = Buffer.from(JSON.stringify({ ...claims, email: "mallory@example.com" }))
        .toString("base64url");
      return [header, forged, signature].join(".");
    }
    default:
      throw new Error("unknown fault " + fault);
  }
  return jwt.sign(claims, key, { algorithm: "HS256" });
}

const request = JSON.parse(readFileSync(0, "utf8"));
const token = request.fault === "none"
  ? createChatWidgetJWT(request.secret, request.app_id, request.email)
  : withFault(request.secret, request.app_id, request.email, request.fault);
process.stdout.write(token + "\n");
