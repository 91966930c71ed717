"""What the deployment tests give identityd and ask of it: the development PKI
(scripts/lib/dev_pki.sh), an authorization policy for its two principals,
files owned the way a volume would own them, and calls with this machine's
identityctl and grpc-health-probe in a container's network namespace."""

import hashlib
import hmac
import json
import os
import subprocess

REPO_ROOT = os.environ["REPO_ROOT"]
IDENTITYCTL = os.environ["IDENTITYCTL"]
PROBE = os.environ["GRPC_HEALTH_PROBE"]

# The image's user and group (deploy/image/build-image.sh; the manifests'
# runAsUser, runAsGroup and fsGroup).
IMAGE_UID = IMAGE_GID = 10001

OPS_RULE = {"name": "ops", "principals": ["spiffe://identityd.test/ops/*"], "rpcs": ["*"],
            "app_ids": ["*"]}
BILLING_RULE = {"name": "billing", "principals": ["spiffe://identityd.test/ns/billing/sa/api"],
                "rpcs": ["IssueEmailHash", "IssueWidgetToken"], "app_ids": ["billing-*"]}


def policy_json(rules=(OPS_RULE, BILLING_RULE)):
    return json.dumps({"rules": list(rules)}, indent=2) + "\n"


def make_dev_pki(directory):
    """ca.pem, server.pem/.key (127.0.0.1), ops.pem/.key, service.pem/.key."""
    subprocess.run([os.path.join(REPO_ROOT, "scripts/lib/dev_pki.sh"), directory], check=True,
                   capture_output=True, timeout=60)
    return directory


def read(path):
    with open(path, encoding="ascii") as f:
        return f.read()


def write_file(path, text, mode, owner=(IMAGE_UID, IMAGE_GID)):
    with open(path, "w", encoding="ascii") as f:
        f.write(text)
    os.chmod(path, mode)
    os.chown(path, *owner)


def probe(container, port, service="", tls_pki=None, principal="service"):
    """grpc-health-probe against 127.0.0.1:PORT in the container's network."""
    argv = [PROBE, "-addr=127.0.0.1:%d" % port, "-service=" + service,
            "-connect-timeout=5s", "-rpc-timeout=5s"]
    if tls_pki is not None:
        argv += ["-tls", "-tls-ca-cert=" + os.path.join(tls_pki, "ca.pem"),
                 "-tls-client-cert=" + os.path.join(tls_pki, principal + ".pem"),
                 "-tls-client-key=" + os.path.join(tls_pki, principal + ".key")]
    result = container.in_netns(argv)
    return result.returncode == 0 and "status: SERVING" in result.stdout + result.stderr, result


def identityctl(container, port, pki, principal, *args):
    """identityctl --output=json over mutual TLS as `principal` (ops, service)."""
    return container.in_netns(
        [IDENTITYCTL, "--target=127.0.0.1:%d" % port, "--ca=" + os.path.join(pki, "ca.pem"),
         "--cert=" + os.path.join(pki, principal + ".pem"),
         "--key=" + os.path.join(pki, principal + ".key"), "--output=json"] + list(args))


def email_hash(secret_hex, email):
    return hmac.new(bytes.fromhex(secret_hex), email.encode(), hashlib.sha256).hexdigest()
