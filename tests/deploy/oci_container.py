"""Runs identityd's container image (deploy/image/build-image.sh) here, with
runc, the OCI runtime under containerd and CRI-O, from Debian's package.

podman and crun refuse this machine's cgroup layout (cgroup v1 controllers
beside an empty v2 mount: "cgroups in hybrid mode not supported"); runc runs
a bundle with no cgroup settings on it. The image is unpacked once per test
(`umoci unpack`, which writes the runtime config from the image's own config:
entrypoint, user, environment), and each container started from it gets the
security settings a Kubernetes pod would give it: read-only root filesystem,
no capabilities, no privilege escalation, its own network namespace (only
loopback, so ports never clash with the machine's), bind mounts for volumes.
Clients reach it with `nsenter --net` into that namespace, as the kubelet's
probes reach a pod.

Needs root (runc, nsenter), umoci and runc (APT_PACKAGES).
"""

import json
import os
import shutil
import subprocess
import time

START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 30


def image_config(layout, tag):
    """The image's config (OCI image config JSON) for `tag` in the OCI layout."""
    def blob(digest):
        algorithm, hexdigest = digest.split(":", 1)
        with open(os.path.join(layout, "blobs", algorithm, hexdigest), encoding="utf-8") as f:
            return json.load(f)

    with open(os.path.join(layout, "index.json"), encoding="utf-8") as f:
        index = json.load(f)
    for manifest in index["manifests"]:
        if manifest.get("annotations", {}).get("org.opencontainers.image.ref.name") == tag:
            return blob(blob(manifest["digest"])["config"]["digest"])
    raise KeyError("no tag %r in %s" % (tag, layout))


def only_tag(layout):
    with open(os.path.join(layout, "index.json"), encoding="utf-8") as f:
        manifests = json.load(f)["manifests"]
    assert len(manifests) == 1, manifests
    return manifests[0]["annotations"]["org.opencontainers.image.ref.name"]


class Bundle:
    """An unpacked image: BUNDLE/rootfs and the runtime config umoci made."""

    def __init__(self, layout, tag, workdir):
        self.dir = os.path.join(workdir, "bundle")
        subprocess.run(["umoci", "unpack", "--image", "%s:%s" % (layout, tag), self.dir],
                       check=True, capture_output=True, timeout=120)
        with open(os.path.join(self.dir, "config.json"), encoding="utf-8") as f:
            self.base_config = json.load(f)
        self.state_root = os.path.join(workdir, "runc-state")
        os.makedirs(self.state_root, exist_ok=True)
        self.logs_dir = workdir
        self._count = 0

    @property
    def rootfs(self):
        return os.path.join(self.dir, "rootfs")

    def start(self, args=None, env=None, mounts=(), user=None, supplementary_groups=(),
              netns_of=None, name="identityd"):
        """Starts a container; returns a Container.

        args: replaces the image's Cmd (the entrypoint stays), as a pod's
        `args` do. env: added to the image's environment. mounts: (host path,
        container path, read_only) bind mounts. user: (uid, gid) instead of the
        image's user; supplementary_groups: more groups (a pod's fsGroup).
        netns_of: a running Container whose network namespace to join (as the
        containers of one pod share theirs)."""
        self._count += 1
        container_id = "%s-%d-%d" % (name, os.getpid(), self._count)
        config = json.loads(json.dumps(self.base_config))
        process = config["process"]
        process["terminal"] = False
        if args is not None:
            process["args"] = [process["args"][0]] + list(args)
        if env:
            process["env"] = process["env"] + ["%s=%s" % kv for kv in env.items()]
        if user is not None:
            process["user"] = {"uid": user[0], "gid": user[1]}
        if supplementary_groups:
            process["user"]["additionalGids"] = list(supplementary_groups)
        # securityContext: capabilities drop ALL, allowPrivilegeEscalation false.
        process["capabilities"] = {k: [] for k in
                                   ("bounding", "effective", "inheritable", "permitted",
                                    "ambient")}
        process["noNewPrivileges"] = True
        # readOnlyRootFilesystem: true.
        config["root"] = {"path": "rootfs", "readonly": True}
        linux = config["linux"]
        linux.pop("resources", None)  # no cgroups here (see the module's doc)
        namespaces = [n for n in linux["namespaces"] if n["type"] != "network"]
        if netns_of is not None:
            namespaces.append({"type": "network",
                               "path": "/proc/%d/ns/net" % netns_of.pid})
        else:
            namespaces.append({"type": "network"})
        linux["namespaces"] = namespaces
        # No /tmp: a pod with a read-only root filesystem has none either.
        config["mounts"] = config["mounts"] + [
            {"destination": dest, "type": "bind", "source": src,
             "options": ["rbind", "ro" if read_only else "rw"]}
            for src, dest, read_only in mounts
        ]
        # Mount points the image lacks are made by runc; the root filesystem is
        # read-only in the container only.
        with open(os.path.join(self.dir, "config.json"), "w", encoding="utf-8") as f:
            json.dump(config, f, indent=1)
        stdout = open(os.path.join(self.logs_dir, container_id + ".stdout"), "wb")
        stderr = open(os.path.join(self.logs_dir, container_id + ".stderr"), "wb")
        popen = subprocess.Popen(
            ["runc", "--root", self.state_root, "run", "--bundle", self.dir, container_id],
            stdin=subprocess.DEVNULL, stdout=stdout, stderr=stderr)
        return Container(self, container_id, popen, stdout, stderr)

    def run(self, args, timeout=60, **kwargs):
        """Runs a container to its end; returns (exit status, stdout, stderr)."""
        container = self.start(args, **kwargs)
        code = container.wait(timeout)
        return code, container.stdout(), container.stderr()


class Container:
    def __init__(self, bundle, container_id, popen, stdout_file, stderr_file):
        self.bundle = bundle
        self.id = container_id
        self.popen = popen
        self._files = (stdout_file, stderr_file)
        self._pid = None

    def _runc(self, *args, timeout=30):
        return subprocess.run(["runc", "--root", self.bundle.state_root] + list(args),
                              capture_output=True, text=True, timeout=timeout, check=False)

    @property
    def pid(self):
        """The container's first process, as this machine sees it."""
        deadline = time.monotonic() + START_TIMEOUT_S
        while self._pid is None and time.monotonic() < deadline:
            state = self._runc("state", self.id)
            if state.returncode == 0:
                pid = json.loads(state.stdout).get("pid", 0)
                if pid > 0:
                    self._pid = pid
                    break
            if self.popen.poll() is not None:
                raise RuntimeError("container %s ended: %s" % (self.id, self.log()))
            time.sleep(0.05)
        if self._pid is None:
            raise RuntimeError("container %s did not start" % self.id)
        return self._pid

    def in_netns(self, argv, timeout=30, **kwargs):
        """Runs argv (a program of this machine) in the container's network
        namespace: 127.0.0.1 there is the container's."""
        return subprocess.run(["nsenter", "--net=/proc/%d/ns/net" % self.pid] + list(argv),
                              capture_output=True, text=True, timeout=timeout, check=False,
                              **kwargs)

    def exec(self, argv, timeout=30):
        """Runs argv inside the container (its files, user and namespaces)."""
        return self._runc("exec", self.id, *argv, timeout=timeout)

    def signal(self, name):
        self._runc("kill", self.id, name)

    def wait(self, timeout=STOP_TIMEOUT_S):
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        finally:
            for f in self._files:
                f.close()

    def stop(self, timeout=STOP_TIMEOUT_S):
        """SIGTERM, as the kubelet sends; returns the exit status."""
        self.signal("TERM")
        return self.wait(timeout)

    def kill(self):
        if self.popen.poll() is None:
            self._runc("kill", self.id, "KILL")
            try:
                self.popen.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self._runc("delete", "--force", self.id)
        for f in self._files:
            f.close()

    def stdout(self):
        return _read(os.path.join(self.bundle.logs_dir, self.id + ".stdout"))

    def stderr(self):
        return _read(os.path.join(self.bundle.logs_dir, self.id + ".stderr"))

    def log(self):
        return self.stdout() + self.stderr()


def _read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def wait_until(predicate, timeout, interval=0.1):
    """Polls predicate() until it returns a true value (returned) or timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


def remove_tree(path):
    shutil.rmtree(path, ignore_errors=True)
