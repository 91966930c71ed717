#!/usr/bin/env python3
"""deploy/kubernetes: every overlay renders (`kubectl kustomize`) and
validates against the Kubernetes API schemas offline (kubernetes-validate,
strict: unknown fields are errors); what the manifests tell identityd is read
back from the rendered YAML and must match what identityd accepts: every flag
is one `identityd --help` lists, the probes' port is the --health_listen port
and the Service's the --listen port, every file a flag names lies on a mounted
volume, the termination grace exceeds --shutdown_grace plus identityd's stop
limit. The single-replica overlay's pod is then run from the image
(tests/deploy/oci_container.py) the way a kubelet would run it: its init
container, then identityd with exactly the container's args and environment,
its Secrets materialised as Kubernetes writes them (files behind a `..data`
symbolic link, owned by root and the fsGroup, defaultMode), its volume, user,
groups and security context; the probes must pass, a real call must succeed,
and a Secret update (the `..data` swap) must reach identityd.

The etcd overlay's pod is not run (it needs an etcd cluster); its flags are
checked against `identityd --help`, and flags of the etcd store (issue 12)
that this identityd does not know yet are reported as skipped.

Environment: IMAGE_LAYOUT, IDENTITYD (this build's, for --help),
KUBERNETES_VALIDATE, IDENTITYCTL, GRPC_HEALTH_PROBE, REPO_ROOT; RENDER_PROGRAM
and RENDER_VERB: `kubectl kustomize`, or `kustomize build` where there is no
kubectl (tests/deploy/CMakeLists.txt). Run as root."""

import datetime
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import yaml

import oci_container
from deploy_fixtures import (BILLING_RULE, IMAGE_UID, OPS_RULE, REPO_ROOT, email_hash,
                             identityctl, make_dev_pki, policy_json, probe, read)

LAYOUT = os.environ["IMAGE_LAYOUT"]
IDENTITYD = os.environ["IDENTITYD"]
KUBERNETES_VALIDATE = os.environ["KUBERNETES_VALIDATE"]
RENDER = [os.environ["RENDER_PROGRAM"], os.environ["RENDER_VERB"]]
OVERLAYS = os.path.join(REPO_ROOT, "deploy", "kubernetes", "overlays")
# The example etcd for overlays/etcd (a kustomization of its own).
ETCD_EXAMPLE = os.path.join(REPO_ROOT, "deploy", "kubernetes", "etcd")
# The oldest release whose API the manifests must fit (native gRPC probes are
# GA since 1.27) and the newest kubernetes-validate knows.
KUBERNETES_VERSIONS = ("1.27.0", "1.37.0")
# How long identityd may take to flush its audit log after --shutdown_grace
# (server/startup/main.cc, kStopFlushLimit).
STOP_FLUSH_LIMIT_S = 30
# Flags of the etcd store (issue 12), not all in every identityd yet.
ETCD_FLAG = re.compile(r"^--etcd_")


def render(overlay):
    path = ETCD_EXAMPLE if overlay == "etcd-example" else os.path.join(OVERLAYS, overlay)
    result = subprocess.run(RENDER + [path],
                            capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        raise AssertionError("%s %s: %s" % (" ".join(RENDER), overlay, result.stderr))
    return result.stdout


def objects(rendered):
    return {(o["kind"], o["metadata"]["name"]): o for o in yaml.safe_load_all(rendered) if o}


def known_flags():
    result = subprocess.run([IDENTITYD, "--helpfull"], capture_output=True, text=True,
                            timeout=30, check=False)
    return set(re.findall(r"^\s+--([a-z0-9_]+) \(", result.stdout + result.stderr, re.M))


def flag_values(args):
    """{"--name": "value"} for the container's args (all --name=value or --name)."""
    values = {}
    for arg in args:
        name, _, value = arg.partition("=")
        values[name] = value
    return values


def duration_seconds(text):
    match = re.fullmatch(r"(\d+)s", text)
    assert match, "expected a duration in seconds, e.g. 20s: %r" % text
    return int(match.group(1))


def port_of(address):
    return int(address.rsplit(":", 1)[1])


def identityd_container(pod_spec):
    (container,) = [c for c in pod_spec["containers"] if c["name"] == "identityd"]
    return container


class SecretVolume:
    """A Secret volume as the kubelet writes one (its "atomic writer"): the
    files in a timestamped folder, `..data` a symbolic link to it, and each
    key a symbolic link through `..data`; an update writes a new folder and
    renames a new `..data` link over the old one."""

    def __init__(self, path, data, mode, group):
        self.path, self.mode, self.group = path, mode, group
        os.makedirs(path)
        os.chown(path, 0, group)
        os.chmod(path, 0o2755)
        self._generation = 0
        self.update(data)

    def update(self, data):
        self._generation += 1
        stamp = "..%s.%d" % (datetime.datetime.now().strftime("%Y_%m_%d_%H_%M_%S"),
                             self._generation)
        folder = os.path.join(self.path, stamp)
        os.mkdir(folder)
        os.chmod(folder, 0o755)
        for key, text in data.items():
            file_path = os.path.join(folder, key)
            with open(file_path, "w", encoding="ascii") as f:
                f.write(text)
            os.chown(file_path, 0, self.group)
            # fsGroup adds group read to a read-only volume's files.
            os.chmod(file_path, self.mode | 0o440)
        data_link = os.path.join(self.path, "..data")
        old = os.path.realpath(data_link) if os.path.lexists(data_link) else None
        tmp_link = os.path.join(self.path, "..data_tmp")
        os.symlink(stamp, tmp_link)
        os.rename(tmp_link, os.path.join(self.path, "..data"))
        for key in data:
            link = os.path.join(self.path, key)
            if not os.path.lexists(link):
                os.symlink(os.path.join("..data", key), link)
        if old is not None:
            shutil.rmtree(old)


class ManifestTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.overlays = sorted(os.listdir(OVERLAYS))
        cls.rendered = {overlay: render(overlay) for overlay in cls.overlays + ["etcd-example"]}
        cls.flags = known_flags()
        cls.workdir = tempfile.mkdtemp(prefix="identityd-kubernetes-test-")

    @classmethod
    def tearDownClass(cls):
        oci_container.remove_tree(cls.workdir)

    def test_overlays_exist(self):
        self.assertEqual(self.overlays, ["etcd", "single"])
        self.assertTrue(os.path.isdir(ETCD_EXAMPLE))

    def test_every_overlay_validates_against_the_api_schemas(self):
        for overlay, text in self.rendered.items():
            path = os.path.join(self.workdir, overlay + ".yaml")
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            for version in KUBERNETES_VERSIONS:
                with self.subTest(overlay=overlay, kubernetes=version):
                    result = subprocess.run(
                        [KUBERNETES_VALIDATE, "--strict", "--no-warn", "--quiet",
                         "--kubernetes-version", version, path],
                        capture_output=True, text=True, timeout=120, check=False)
                    self.assertEqual(result.returncode, 0, result.stdout + result.stderr)

    def test_manifests_match_what_identityd_accepts(self):
        for overlay in self.overlays:
            with self.subTest(overlay=overlay):
                self.check_manifests(overlay, objects(self.rendered[overlay]))

    def test_etcd_overlay_names_the_example_etcd(self):
        example = objects(self.rendered["etcd-example"])
        statefulset = example[("StatefulSet", "identityd-etcd")]
        service = example[("Service", "identityd-etcd")]
        namespace = statefulset["metadata"]["namespace"]
        (etcd,) = statefulset["spec"]["template"]["spec"]["containers"]
        client_port = [p["containerPort"] for p in etcd["ports"] if p["name"] == "client"]
        members = ["https://%s-%d.%s.%s.svc:%d" % (statefulset["metadata"]["name"], i,
                                                   service["metadata"]["name"], namespace,
                                                   client_port[0])
                   for i in range(statefulset["spec"]["replicas"])]
        deployment = objects(self.rendered["etcd"])[("Deployment", "identityd")]
        self.assertEqual(deployment["metadata"]["namespace"], namespace)
        flags = flag_values(identityd_container(deployment["spec"]["template"]["spec"])["args"])
        self.assertEqual(flags["--etcd_endpoints"].split(","), members)
        # setup-auth.sh's default prefix, the one identityd's role may use.
        with open(os.path.join(ETCD_EXAMPLE, "setup-auth.sh"), encoding="utf-8") as f:
            self.assertIn('PREFIX="${1:-%s}"' % flags["--etcd_prefix"], f.read())
        # identityd's pods are the etcd clients the example's network policy admits.
        policy = example[("NetworkPolicy", "identityd-etcd")]
        self.assertIn(deployment["spec"]["selector"]["matchLabels"],
                      [rule["from"][0].get("podSelector", {}).get("matchLabels")
                       for rule in policy["spec"]["ingress"]])

    def check_manifests(self, overlay, objs):
        deployment = objs[("Deployment", "identityd")]
        pod = deployment["spec"]["template"]["spec"]
        container = identityd_container(pod)
        self.assertNotIn("command", container, "the image's entrypoint runs identityd")
        args = container["args"]
        flags = flag_values(args)
        for name in flags:
            if name.lstrip("-") in self.flags:
                continue
            if ETCD_FLAG.match(name):
                sys.stderr.write("SKIPPED (%s): %s is not a flag of this identityd yet "
                                 "(the etcd store, issue 12)\n" % (overlay, name))
                continue
            self.fail("%s: identityd has no flag %s" % (overlay, name))
        for init in pod.get("initContainers", []):
            for name in flag_values(init["args"]):
                self.assertIn(name.lstrip("-"), self.flags, "%s: init container" % overlay)

        # Ports: the Service reaches --listen's port, the probes --health_listen's.
        ports = {p["name"]: p["containerPort"] for p in container["ports"]}
        self.assertEqual(ports["grpc"], port_of(flags["--listen"]))
        self.assertEqual(ports["health"], port_of(flags["--health_listen"]))
        for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
            grpc_probe = container[kind]["grpc"]
            self.assertEqual(grpc_probe["port"], port_of(flags["--health_listen"]), kind)
            self.assertIn(grpc_probe.get("service", ""), ("", "identity.v1.IdentityService"))
        service = objs[("Service", "identityd")]
        self.assertEqual(service["spec"].get("clusterIP"), "None")
        self.assertEqual([p["targetPort"] for p in service["spec"]["ports"]], ["grpc"])
        self.assertEqual(service["spec"]["selector"],
                         deployment["spec"]["selector"]["matchLabels"])
        policy = objs[("NetworkPolicy", "identityd")]
        self.assertEqual(policy["spec"]["podSelector"]["matchLabels"],
                         deployment["spec"]["selector"]["matchLabels"])
        self.assertIn("grpc", [p["port"] for rule in policy["spec"]["ingress"]
                               for p in rule["ports"]])
        self.assertEqual(objs[("PodDisruptionBudget", "identityd")]["spec"]["selector"],
                         deployment["spec"]["selector"])

        # Every file a flag names is on a mounted volume; secrets read-only.
        mounts = {m["mountPath"]: m for m in container.get("volumeMounts", [])}
        volumes = {v["name"]: v for v in pod["volumes"]}
        for name, value in flags.items():
            if not (name.endswith("_file") or name == "--state_dir"):
                continue
            if name.lstrip("-") not in self.flags:
                continue  # reported above
            under = [m for path, m in mounts.items() if value.startswith(path + "/")]
            self.assertEqual(len(under), 1, "%s: %s=%s is on no mounted volume"
                             % (overlay, name, value))
            volume = volumes[under[0]["name"]]
            if "secret" in volume:
                self.assertTrue(under[0].get("readOnly"), name)
        for env in container.get("env", []):
            self.assertIn("secretKeyRef", env["valueFrom"], env["name"])

        # Stopping: the kubelet's SIGKILL comes after the grace period.
        grace = duration_seconds(flags["--shutdown_grace"])
        self.assertGreater(pod["terminationGracePeriodSeconds"], grace + STOP_FLUSH_LIMIT_S)

        # Security context.
        pod_security = pod["securityContext"]
        self.assertTrue(pod_security["runAsNonRoot"])
        self.assertEqual(pod_security["runAsUser"], IMAGE_UID)
        self.assertEqual(pod_security["seccompProfile"]["type"], "RuntimeDefault")
        self.assertFalse(pod.get("automountServiceAccountToken", True))
        for c in pod["containers"] + pod.get("initContainers", []):
            security = c["securityContext"]
            self.assertFalse(security["allowPrivilegeEscalation"], c["name"])
            self.assertTrue(security["readOnlyRootFilesystem"], c["name"])
            self.assertEqual(security["capabilities"]["drop"], ["ALL"], c["name"])
            self.assertIn("requests", c["resources"], c["name"])

    def test_single_replica_pod_runs_as_rendered(self):
        objs = objects(self.rendered["single"])
        pod = objs[("Deployment", "identityd")]["spec"]["template"]["spec"]
        security = pod["securityContext"]
        user = (security["runAsUser"], security["runAsGroup"])
        fs_group = security["fsGroup"]
        work = tempfile.mkdtemp(prefix="pod-", dir=self.workdir)
        os.chmod(work, 0o755)
        pki = make_dev_pki(os.path.join(work, "pki"))

        # The Secrets an operator creates (deploy/README.md names their keys).
        secrets = {
            "identityd-tls": {"tls.crt": read(os.path.join(pki, "server.pem")),
                              "tls.key": read(os.path.join(pki, "server.key")),
                              "ca.crt": read(os.path.join(pki, "ca.pem"))},
            "identityd-policy": {"policy.json": policy_json()},
            "identityd-master-key": {"master.key": os.urandom(32).hex() + "\n"},
            "identityd-audit-key": {"audit.key": os.urandom(32).hex() + "\n"},
        }
        volumes = {}
        for volume in pod["volumes"]:
            path = os.path.join(work, "volumes", volume["name"])
            if "secret" in volume:
                volumes[volume["name"]] = SecretVolume(
                    path, secrets[volume["secret"]["secretName"]],
                    volume["secret"]["defaultMode"], fs_group)
            else:
                self.assertIn("persistentVolumeClaim", volume)
                # A volume's root under fsGroup: group-owned, group-writable, setgid.
                os.makedirs(path)
                os.chown(path, 0, fs_group)
                os.chmod(path, 0o2775)
                volumes[volume["name"]] = path

        def env_of(container):
            return {e["name"]: secrets[e["valueFrom"]["secretKeyRef"]["name"]]
                    [e["valueFrom"]["secretKeyRef"]["key"]].strip()
                    for e in container.get("env", [])}

        def mounts_of(container):
            return [(getattr(volumes[m["name"]], "path", volumes[m["name"]]), m["mountPath"],
                     bool(m.get("readOnly"))) for m in container.get("volumeMounts", [])]

        bundle = oci_container.Bundle(LAYOUT, oci_container.only_tag(LAYOUT), work)
        for init in pod.get("initContainers", []):
            code, out, err = bundle.run(init["args"], env=env_of(init), mounts=mounts_of(init),
                                        user=user, supplementary_groups=[fs_group])
            self.assertEqual(code, 0, "init container %s: %s" % (init["name"], out + err))

        container = identityd_container(pod)
        flags = flag_values(container["args"])
        service_port = port_of(flags["--listen"])
        server = bundle.start(container["args"], env=env_of(container),
                              mounts=mounts_of(container), user=user,
                              supplementary_groups=[fs_group])
        try:
            # The probes, as the kubelet sends them (plain text, their port and service).
            for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
                grpc_probe = container[kind]["grpc"]
                serving = oci_container.wait_until(
                    lambda: server.popen.poll() is None and probe(
                        server, grpc_probe["port"], grpc_probe.get("service", ""))[0],
                    oci_container.START_TIMEOUT_S, interval=0.5)
                self.assertTrue(serving, "%s failed: %s" % (kind, server.log()))
            # The audit key came from its Secret. (Whether the secure heap is
            # locked depends on the runtime's memlock limit, not the manifests.)
            self.assertNotIn("no audit key", server.log())

            rotated = identityctl(server, service_port, pki, "ops", "rotate", "billing-main",
                                  "--kind=email_hash", "--generate")
            self.assertEqual(rotated.returncode, 0, rotated.stderr + server.log())
            secret = re.search(r'"generated_secret":\s*"([0-9a-f]{64})"', rotated.stdout)
            self.assertIsNotNone(secret, "no generated secret in identityctl's output")

            def billing_hash():
                return identityctl(server, service_port, pki, "service", "hash",
                                   "billing-main", "jane@example.com")

            hashed = billing_hash()
            self.assertEqual(hashed.returncode, 0, hashed.stderr)
            self.assertIn(email_hash(secret.group(1), "jane@example.com"), hashed.stdout)

            # A Secret update reaches identityd through the ..data swap: a
            # policy without the billing rule denies billing's next call.
            volumes["policy"].update({"policy.json": policy_json([OPS_RULE])})
            denied = oci_container.wait_until(
                lambda: "PERMISSION_DENIED" in billing_hash().stderr, 30, interval=0.5)
            self.assertTrue(denied, "the swapped policy was not applied: " + server.log())
            volumes["policy"].update({"policy.json": policy_json([OPS_RULE, BILLING_RULE])})
            allowed = oci_container.wait_until(lambda: billing_hash().returncode == 0, 30,
                                               interval=0.5)
            self.assertTrue(allowed, "the second swap was not applied: " + server.log())

            self.assertEqual(server.stop(timeout=pod["terminationGracePeriodSeconds"]), 0,
                             server.log())
        finally:
            server.kill()


if __name__ == "__main__":
    unittest.main(verbosity=2)
