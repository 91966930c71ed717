#!/usr/bin/python3
"""The widget vendor's Python "HMAC email hash" snippet, run over test inputs.

Reads email_hash_inputs.json on stdin and prints, for every secret and then
every email (in the file's order), the snippet's hash on its own line.
Run with /usr/bin/python3 (Debian's); it needs only the standard library.
"""
import hashlib
import hmac
import json
import sys


# ---- Verbatim from seed/identity-verification.md, "Python" tab. ----
def sign_message_with_hmac(message, secret):
    secret_bytes = bytes.fromhex(secret)
    signature = hmac.new(secret_bytes, message.encode(), hashlib.sha256).hexdigest()
    return signature
# ---- End of the vendor's snippet. ----


def main():
    inputs = json.load(sys.stdin)
    for secret in inputs["secrets"]:
        for email in inputs["emails"]:
            print(sign_message_with_hmac(email, secret))


if __name__ == "__main__":
    main()
