# SPDX-License-Identifier: Apache-2.0
"""Starts real hpcnet daemons for integration tests.

A Cluster is one hub on an ephemeral loopback port with its own temp data
dir, plus any number of agents (real `hpcnet agent` processes with the
local adapter). Everything talks HTTP exactly as users do; nothing is
mocked. Standard library only: these run under Debian's /usr/bin/python3.
"""
import http.client
import json
import os
import secrets
import shutil
import signal
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

BIN = os.environ.get("HPCNET_BIN") or os.path.join(
    os.path.dirname(__file__), "..", "..", "build", "hpcnet")
ADMIN_PASSWORD = "admin-" + secrets.token_hex(8)
FINAL = ("succeeded", "failed", "cancelled", "lost")


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    @property
    def json(self):
        return json.loads(self.body) if self.body else None

    def __repr__(self):
        return "<%d %s>" % (self.status, self.body[:300])


def wait_for(pred, timeout=30.0, interval=0.05, what="condition"):
    """Polls pred() until it returns a truthy value; returns that value."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out after %.0fs waiting for %s" % (timeout, what))
        time.sleep(interval)


class NetNs:
    """The hub's own network namespace, joined to this one by a veth pair,
    so traffic between the hub and the agents really crosses a link (with
    an optional netem delay, like a WAN between centers)."""

    def __init__(self, tag, delay_ms=0):
        n = os.getpid() % 200 + 20
        self.name = "hpcnet-%s-%d" % (tag, os.getpid())
        self.host_if, self.ns_if = "hpn%dh" % os.getpid(), "hpn%dn" % os.getpid()
        self.host_ip, self.ns_ip = "10.%d.0.2" % n, "10.%d.0.1" % n
        run = lambda *a: subprocess.run(a, check=True, capture_output=True)
        run("ip", "netns", "add", self.name)
        try:
            run("ip", "link", "add", self.host_if[:15], "type", "veth", "peer", "name", self.ns_if[:15])
            run("ip", "link", "set", self.ns_if[:15], "netns", self.name)
            run("ip", "addr", "add", self.host_ip + "/24", "dev", self.host_if[:15])
            run("ip", "link", "set", self.host_if[:15], "up")
            run("ip", "netns", "exec", self.name, "ip", "addr", "add", self.ns_ip + "/24", "dev",
                self.ns_if[:15])
            run("ip", "netns", "exec", self.name, "ip", "link", "set", self.ns_if[:15], "up")
            run("ip", "netns", "exec", self.name, "ip", "link", "set", "lo", "up")
            # netem needs the sch_netem kernel module, which not every
            # kernel has: without it the link is simply not delayed.
            self.delay_ms = 0
            if delay_ms and subprocess.run(
                    ["tc", "qdisc", "add", "dev", self.host_if[:15], "root", "netem", "delay",
                     "%dms" % delay_ms], capture_output=True).returncode == 0:
                self.delay_ms = delay_ms
        except Exception:
            self.remove()
            raise

    def prefix(self):
        return ["ip", "netns", "exec", self.name]

    def remove(self):
        subprocess.run(["ip", "link", "del", self.host_if[:15]], capture_output=True)
        subprocess.run(["ip", "netns", "del", self.name], capture_output=True)


def netns_available():
    """True when this process may create network namespaces (root, iproute2)."""
    if os.geteuid() != 0 or not shutil.which("ip"):
        return False
    r = subprocess.run(["ip", "netns", "add", "hpcnet-probe-%d" % os.getpid()], capture_output=True)
    subprocess.run(["ip", "netns", "del", "hpcnet-probe-%d" % os.getpid()], capture_output=True)
    return r.returncode == 0


class Cluster:
    def __init__(self, name="hpcnet", center_ttl=30, max_body=None, netns=None, hub_args=(),
                 tls=False):
        self.dir = tempfile.mkdtemp(prefix=name + "-")
        self.tls = tls  # the hub serves HTTPS with a certificate made here
        self.ca_file = None
        self.center_ttl = center_ttl
        self.max_body = max_body
        self.hub_args = list(hub_args)  # more `hpcnet hub` options
        self.netns = netns      # a NetNs to run the hub in, or None for loopback
        self.host = netns.ns_ip if netns else "127.0.0.1"
        self.hub = None
        self.port = None
        self.agents = {}      # name -> Popen
        self.join_tokens = {}
        self.agent_args = {}
        self._admin = None
        self._conns = {}

    # -- processes ---------------------------------------------------------
    def start_hub(self):
        port_file = os.path.join(self.dir, "hub.port")
        if os.path.exists(port_file):
            os.unlink(port_file)
        # Reuse the port after a restart so agents find the hub again.
        listen = "%s:%d" % (self.host, self.port or 0)
        args = (self.netns.prefix() if self.netns else []) + [
                BIN, "hub", "--listen", listen, "--db", "sqlite:" + self.db_path(),
                "--port-file", port_file, "--center-ttl", str(self.center_ttl)]
        if self.max_body:
            args += ["--max-body", str(self.max_body)]
        args += self.hub_args
        if self.tls:
            args += ["--tls-cert", self.make_cert(), "--tls-key",
                     os.path.join(self.dir, "tls-key.pem")]
        env = dict(os.environ, HPCNET_ADMIN_PASSWORD=ADMIN_PASSWORD)
        log = open(os.path.join(self.dir, "hub.log"), "ab")
        self.hub = subprocess.Popen(args, stdout=log, stderr=log, env=env)
        log.close()
        wait_for(lambda: os.path.exists(port_file) or self.hub.poll() is not None,
                 what="hub port file")
        if self.hub.poll() is not None:
            raise AssertionError("hub exited: " + self.log_tail("hub.log"))
        with open(port_file) as f:
            self.port = int(f.read())
        self._conns.clear()
        wait_for(lambda: self._health_ok(), what="hub health")
        return self

    def make_cert(self):
        """A self-signed certificate for the hub's address (kept across
        restarts); the agents and the CLI trust it through HPCNET_CA_FILE."""
        cert = os.path.join(self.dir, "tls-cert.pem")
        if not os.path.exists(cert):
            key = os.path.join(self.dir, "tls-key.pem")
            subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                            "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out", cert,
                            "-days", "2", "-subj", "/CN=hpcnet-test-hub", "-addext",
                            "subjectAltName=IP:%s,DNS:localhost" % self.host],
                           check=True, capture_output=True)
            os.chmod(key, 0o600)
            self.ca_file = cert
        return cert

    def client_env(self):
        """The environment an agent or the CLI needs to reach this hub."""
        env = dict(os.environ)
        if self.ca_file:
            env["HPCNET_CA_FILE"] = self.ca_file
        return env

    def _health_ok(self):
        try:
            return self.get("/api/v1/health").status == 200
        except OSError:
            return False

    def db_path(self):
        return os.path.join(self.dir, "hub.db")

    def kill_hub(self, sig=signal.SIGKILL):
        self.hub.send_signal(sig)
        self.hub.wait(30)
        self._conns.clear()

    def add_center(self, name):
        r = self.post("/api/v1/centers", {"name": name}, token=self.admin_token())
        assert r.status == 201, r
        self.join_tokens[name] = r.json["join_token"]
        return r.json

    def join_center(self, name, cores=8, mem=16 << 30):
        """Creates a center and plays its agent for the join and one
        heartbeat (adapter none, no agent process); returns (agent token,
        center id). Tests that need no jobs to run use this."""
        self.add_center(name)
        r = self.post("/api/v1/centers/join", {"join_token": self.join_tokens[name],
                                               "adapter": "none"})
        assert r.status == 200, r
        tok, cid = r.json["agent_token"], r.json["center_id"]
        r = self.post("/api/v1/centers/%s/heartbeat" % cid,
                      {"resources": {"total_cores": cores, "free_cores": cores,
                                     "total_memory_bytes": mem, "free_memory_bytes": mem}},
                      token=tok)
        assert r.status == 200, r
        return tok, cid

    def start_agent(self, name, cores=4, mem="8G", adapter="local", heartbeat=1, extra=(),
                    opts=()):
        if name not in self.join_tokens:
            self.add_center(name)
        workdir = os.path.join(self.dir, "centers", name)
        args = [BIN, "agent", "--hub", self.url, "--join-token", self.join_tokens[name],
                "--name", name, "--adapter", adapter, "--workdir", workdir,
                "--cores", str(cores), "--mem", mem, "--heartbeat", str(heartbeat)]
        for o in opts:
            args += ["--adapter-opt", o]
        args += list(extra)
        self.agent_args[name] = args
        log = open(os.path.join(self.dir, "agent-%s.log" % name), "ab")
        self.agents[name] = subprocess.Popen(args, stdout=log, stderr=log, env=self.client_env())
        log.close()
        return self.agents[name]

    def restart_agent(self, name):
        log = open(os.path.join(self.dir, "agent-%s.log" % name), "ab")
        self.agents[name] = subprocess.Popen(self.agent_args[name], stdout=log, stderr=log,
                                             env=self.client_env())
        log.close()

    def kill_agent(self, name, sig=signal.SIGKILL):
        p = self.agents[name]
        p.send_signal(sig)
        p.wait(30)

    def wait_online(self, names, timeout=30):
        def ok():
            r = self.get("/api/v1/centers", token=self.admin_token())
            st = {c["name"]: c for c in r.json["items"]}
            return all(n in st and st[n]["status"] == "online" and
                       st[n]["resources"]["total_cores"] > 0 for n in names)
        wait_for(ok, timeout, what="centers %s online" % names)

    def stop(self):
        """Stops everything with SIGTERM, as an operator would, and fails if
        a daemon did not exit cleanly or a sanitizer reported anything."""
        procs = list(self.agents.items()) + ([("hub", self.hub)] if self.hub else [])
        for _, p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        problems = []
        for name, p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                problems.append("%s did not stop within 20 s of SIGTERM" % name)
                p.kill()
                p.wait()
            if p.returncode not in (0, -signal.SIGKILL):
                problems.append("%s exited with status %s" % (name, p.returncode))
        # Jobs of the local adapter run in their own process groups; make
        # sure none outlives the test.
        subprocess.run(["pkill", "-KILL", "-f", self.dir], check=False)
        for f in os.listdir(self.dir):
            if f.endswith(".log"):
                with open(os.path.join(self.dir, f), errors="replace") as fh:
                    text = fh.read()
                for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                               "runtime error:"):
                    if marker in text:
                        problems.append("%s: %s" % (f, marker))
        if problems:
            self.dump_logs()
        if os.environ.get("HPCNET_KEEP_TMP") or problems:
            print("kept", self.dir, file=sys.stderr)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)
        if problems:
            raise AssertionError("; ".join(problems))

    def log_tail(self, name, n=40):
        try:
            with open(os.path.join(self.dir, name), "rb") as f:
                return b"\n".join(f.read().splitlines()[-n:]).decode(errors="replace")
        except OSError:
            return "(no log)"

    def dump_logs(self):
        for f in sorted(os.listdir(self.dir)):
            if f.endswith(".log"):
                print("==== %s ====\n%s" % (f, self.log_tail(f)), file=sys.stderr)

    # -- HTTP --------------------------------------------------------------
    @property
    def url(self):
        return "%s://%s:%d" % ("https" if self.tls else "http", self.host, self.port)

    def connection(self, timeout=90):
        if not self.tls:
            return http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        ctx = ssl.create_default_context(cafile=self.ca_file)
        return http.client.HTTPSConnection(self.host, self.port, timeout=timeout, context=ctx)

    def request(self, method, path, body=None, token=None, headers=None, raw=None,
                ctype="application/json", timeout=90):
        hdrs = dict(headers or {})
        if token:
            hdrs["Authorization"] = "Bearer " + token
        data = raw
        if body is not None:
            data = json.dumps(body).encode()
        if data is not None:
            hdrs.setdefault("Content-Type", ctype)
        for attempt in (0, 1):
            c = self.connection(timeout)
            try:
                c.request(method, path, body=data, headers=hdrs)
                r = c.getresponse()
                return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, r.read())
            except (ConnectionResetError, http.client.RemoteDisconnected):
                if attempt:
                    raise
            finally:
                c.close()

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body=body, **kw)

    # -- users and jobs ----------------------------------------------------
    def login(self, name, password, **extra):
        r = self.post("/api/v1/tokens", dict({"username": name, "password": password}, **extra))
        assert r.status == 201, r
        return r.json["token"]

    def admin_token(self):
        if not self._admin:
            self._admin = self.login("admin", ADMIN_PASSWORD)
        return self._admin

    def create_user(self, name, password=None):
        password = password or "pw-" + secrets.token_hex(8)
        r = self.post("/api/v1/users", {"name": name, "password": password},
                      token=self.admin_token())
        assert r.status == 201, r
        return self.login(name, password)

    def submit(self, token, key=None, **job):
        if "script" not in job:
            job.setdefault("command", "true")
        h = {"Idempotency-Key": key} if key else None
        r = self.post("/api/v1/jobs", job, token=token, headers=h)
        assert r.status in (200, 201), r
        return r.json

    def job(self, token, jid):
        r = self.get("/api/v1/jobs/" + jid, token=token)
        assert r.status == 200, r
        return r.json

    def wait_job(self, token, jid, states=FINAL, timeout=60):
        return wait_for(lambda: (lambda j: j if j["state"] in states else None)(
            self.job(token, jid)), timeout, interval=0.1, what="job %s in %s" % (jid, states))

    def output(self, token, jid, stream="stdout"):
        r = self.get("/api/v1/jobs/%s/%s" % (jid, stream), token=token)
        assert r.status == 200, r
        return r.body

    def all_jobs(self, token, **filters):
        items, cursor = [], None
        while True:
            q = dict(filters, limit=1000)
            if cursor:
                q["cursor"] = cursor
            r = self.get("/api/v1/jobs?" + urllib.parse.urlencode(q), token=token)
            assert r.status == 200, r
            items += r.json["items"]
            cursor = r.json["next_cursor"]
            if not cursor:
                return items

    def sql(self, query, args=()):
        """Reads (or pokes, for fault injection) the hub's database directly."""
        con = sqlite3.connect(self.db_path(), timeout=10)
        try:
            cur = con.execute(query, args)
            rows = cur.fetchall()
            con.commit()
            return rows
        finally:
            con.close()


class ClusterTest(unittest.TestCase):
    """Base for tests with a class-wide Cluster in cls.c: prints the tails
    of the daemons' logs after any failing test, so CI output says why."""

    def run(self, result=None):
        before = len(result.failures) + len(result.errors) if result else 0
        out = super().run(result)
        if result and len(result.failures) + len(result.errors) > before:
            c = getattr(type(self), "c", None)
            if c:
                c.dump_logs()
        return out
