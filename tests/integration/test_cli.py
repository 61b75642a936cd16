# SPDX-License-Identifier: Apache-2.0
"""The `hpcnet` CLI against a real hub and agent: every verb, --json, the
exit codes scripts rely on, HPCNET_HUB/HPCNET_TOKEN, and `hpcnet up`
(start, submit through its saved login, Ctrl-C, restart keeps jobs)."""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN, Cluster, ClusterTest, wait_for  # noqa: E402


class CliTest(ClusterTest):
    @classmethod
    def setUpClass(cls):
        cls.c = Cluster("cli").start_hub()
        cls.c.start_agent("alpha", cores=2)
        cls.c.wait_online(["alpha"])
        cls.pw = "erin-password-1"
        cls.tok = None
        r = cls.c.post("/api/v1/users", {"name": "erin", "password": cls.pw},
                       token=cls.c.admin_token())
        assert r.status == 201, r
        cls.home = tempfile.mkdtemp(prefix="cli-home-", dir=cls.c.dir)

    @classmethod
    def tearDownClass(cls):
        cls.c.stop()

    def run_cli(self, *args, stdin=None, env=None, timeout=60):
        e = {"HOME": self.home, "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
             "XDG_CONFIG_HOME": os.path.join(self.home, ".config")}
        e.update(env or {})
        return subprocess.run([BIN] + list(args), input=stdin, capture_output=True,
                              env=e, timeout=timeout)

    def login(self):
        r = self.run_cli("login", "--hub", self.c.url, "--user", "erin", "--password-stdin",
                         stdin=(self.pw + "\n").encode())
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_login_saves_config_0600(self):
        self.login()
        path = os.path.join(self.home, ".config", "hpcnet", "config.json")
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o600)
        with open(path) as f:
            cfg = json.load(f)
        self.assertEqual(cfg["hub"], self.c.url)
        r = self.run_cli("whoami", "--json")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["name"], "erin")

    def test_wrong_password_exit_3(self):
        r = self.run_cli("login", "--hub", self.c.url, "--user", "erin", "--password-stdin",
                         stdin=b"wrong\n")
        self.assertEqual(r.returncode, 3, r)

    def test_submit_wait_logs_show_jobs(self):
        self.login()
        r = self.run_cli("submit", "--name", "cli-hello", "--cores", "1", "--time", "1:00",
                         "--wrap", "echo hello-cli; echo oops >&2; exit 7")
        self.assertEqual(r.returncode, 0, r.stderr)
        jid = r.stdout.decode().strip()
        self.assertTrue(jid.startswith("job_"), r.stdout)
        j = self.c.wait_job(self.c.login("erin", self.pw), jid)
        self.assertEqual(j["exit_code"], 7)
        self.assertEqual(j["walltime_seconds"], 60)
        self.assertEqual(self.run_cli("logs", jid).stdout, b"hello-cli\n")
        self.assertEqual(self.run_cli("logs", "--stderr", jid).stdout, b"oops\n")
        r = self.run_cli("show", jid)
        self.assertEqual(r.returncode, 0)
        self.assertIn(b"cli-hello", r.stdout)
        self.assertIn(b"alpha", r.stdout)
        r = self.run_cli("show", "--json", jid)
        self.assertEqual(json.loads(r.stdout)["id"], jid)
        r = self.run_cli("jobs", "--json")
        self.assertIn(jid, [x["id"] for x in json.loads(r.stdout)["items"]])
        r = self.run_cli("jobs")
        self.assertIn(jid.encode(), r.stdout)
        # --wait exits with the job's exit code
        r = self.run_cli("submit", "--wait", "--wrap", "exit 3")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn(b"exit code 3", r.stderr)
        r = self.run_cli("submit", "--wait", "--wrap", "true")
        self.assertEqual(r.returncode, 0, r.stderr)
        # stdout stays the id alone (scripts read it); the person waiting
        # learns on stderr where it ran and how to read its output
        wid = r.stdout.decode().strip()
        self.assertRegex(wid, r"^job_[0-9A-Z]+$")
        self.assertIn(("succeeded on alpha; its output: hpcnet logs " + wid).encode(), r.stderr)

    def test_script_file_directives(self):
        self.login()
        path = os.path.join(self.home, "job.sh")
        with open(path, "w") as f:
            f.write("#!/bin/sh\n#HPCNET --cores 2\n#HPCNET --name from-script\necho $HPCNET_CORES\n")
        r = self.run_cli("submit", "--wait", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        jobs = json.loads(self.run_cli("jobs", "--json").stdout)["items"]
        j = [x for x in jobs if x["name"] == "from-script"][0]
        self.assertEqual(j["cores"], 2)
        self.assertEqual(self.run_cli("logs", j["id"]).stdout, b"2\n")

    def test_follow(self):
        self.login()
        jid = self.run_cli("submit", "--wrap", "echo a; sleep 2; echo b").stdout.decode().strip()
        r = self.run_cli("logs", "--follow", jid, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, b"a\nb\n")

    def test_cancel(self):
        self.login()
        jid = self.run_cli("submit", "--wrap", "sleep 300").stdout.decode().strip()
        self.c.wait_job(self.c.login("erin", self.pw), jid, states=("running",))
        r = self.run_cli("cancel", jid)
        self.assertEqual(r.returncode, 0, r.stderr)
        j = self.c.wait_job(self.c.login("erin", self.pw), jid)
        self.assertEqual(j["state"], "cancelled")

    def test_exit_codes(self):
        self.login()
        self.assertEqual(self.run_cli("show", "job_00000000000000000000000000").returncode, 4)
        self.assertEqual(self.run_cli("submit").returncode, 2)
        self.assertEqual(self.run_cli("submit", "--cores", "many", "--wrap", "x").returncode, 2)
        r = self.run_cli("submit", "--cores", "999", "--wrap", "x")
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"999 cores", r.stderr)
        r = self.run_cli("jobs", env={"HPCNET_TOKEN": "hpcn_bogus"})
        self.assertEqual(r.returncode, 3)
        self.assertIn(b"hpcnet login", r.stderr)
        self.assertEqual(self.run_cli("centers", "create", "x").returncode, 3)  # not admin
        r = self.run_cli("jobs", env={"HPCNET_HUB": "http://127.0.0.1:1",
                                      "HPCNET_TOKEN": "hpcn_any"})
        self.assertEqual(r.returncode, 5)
        self.assertIn(b"cannot reach", r.stderr)

    def test_env_overrides_saved_login(self):
        admin = self.c.admin_token()
        r = self.run_cli("whoami", "--json", env={"HPCNET_HUB": self.c.url, "HPCNET_TOKEN": admin})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["name"], "admin")

    def test_centers_and_admin(self):
        env = {"HPCNET_HUB": self.c.url, "HPCNET_TOKEN": self.c.admin_token()}
        r = self.run_cli("centers", "--json", env=env)
        self.assertIn("alpha", [c["name"] for c in json.loads(r.stdout)["items"]])
        r = self.run_cli("centers", "create", "gamma", env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(b"hpcj_", r.stdout)
        r = self.run_cli("users", "create", "frank", "--password-stdin", stdin=b"frank-pass-1\n",
                         env=env)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.c.post("/api/v1/tokens", {"username": "frank",
                                                        "password": "frank-pass-1"}).status, 201)


class CliSchedTest(ClusterTest):
    """The CLI's side of the scheduler and of job control: submit --explain,
    GPU models and scheduler words, hold/release/suspend, drain/undrain,
    and how `centers` and `show` present them. Its own cluster, so a center
    kept full or drained here never slows CliTest's jobs: alpha (2 cores,
    idle), full (1 core, kept busy), spare (drained and undrained), and
    gpux, a center this test speaks for over the agent API (the local
    adapter has no GPU pools, no hold and never turns degraded)."""

    @classmethod
    def setUpClass(cls):
        cls.c = Cluster("cli-sched").start_hub()
        cls.c.start_agent("alpha", cores=2)
        cls.c.start_agent("full", cores=1)
        cls.c.start_agent("spare", cores=1)
        cls.c.wait_online(["alpha", "full", "spare"])
        cls.tok = cls.c.create_user("gina")
        cls.home = tempfile.mkdtemp(prefix="cli-home-", dir=cls.c.dir)

    @classmethod
    def tearDownClass(cls):
        cls.c.stop()

    def cli(self, *args, admin=False, stdin=None, timeout=60):
        env = {"HOME": self.home, "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "XDG_CONFIG_HOME": os.path.join(self.home, ".config"),
               "HPCNET_HUB": self.c.url,
               "HPCNET_TOKEN": self.c.admin_token() if admin else self.tok}
        r = subprocess.run([BIN] + list(args), input=stdin, capture_output=True, env=env,
                           timeout=timeout)
        r.out, r.err = r.stdout.decode(), r.stderr.decode()
        return r

    def submit_id(self, *args):
        r = self.cli("submit", *args)
        self.assertEqual(r.returncode, 0, r.err)
        return r.out.strip()

    def center(self, name):
        r = self.c.get("/api/v1/centers/" + name, token=self.tok)
        self.assertEqual(r.status, 200, r)
        return r.json

    # -- submit --explain ----------------------------------------------------
    def test_explain_table(self):
        r = self.cli("submit", "--explain", "--cores", "1", "--wrap", "true")
        self.assertEqual(r.returncode, 0, r.err)
        for word in ("CENTER", "VERDICT", "SCORE", "EST. WAIT", "REASON", "alpha", "runs now"):
            self.assertIn(word, r.out)
        alpha = [ln for ln in r.out.splitlines() if ln.startswith("alpha ")]
        self.assertEqual(len(alpha), 1, r.out)
        self.assertIn("runs now", alpha[0])
        self.assertIn("Would run now at ", r.out.splitlines()[-1])
        # nothing was submitted
        self.assertEqual(self.c.all_jobs(self.tok, state="queued"), [])
        # no command needed to ask
        r = self.cli("submit", "--explain", "--center", "alpha")
        self.assertEqual(r.returncode, 0, r.err)
        self.assertIn("Would run now at alpha", r.out)

    def test_explain_json(self):
        r = self.cli("submit", "--explain", "--json", "--wrap", "true")
        self.assertEqual(r.returncode, 0, r.err)
        a = json.loads(r.out)
        self.assertTrue(a["admissible"])
        self.assertIsNotNone(a["choice"])
        v = {x["center"]: x for x in a["verdicts"]}
        self.assertTrue(v["alpha"]["eligible"] and v["alpha"]["fits_now"], v)

    def test_explain_refused_exit_1(self):
        r = self.cli("submit", "--explain", "--cores", "64", "--wrap", "true")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("cannot run", r.out)
        self.assertIn("Would be refused", r.out)
        self.assertIn("needs 64 cores", r.out)
        r = self.cli("submit", "--explain", "--json", "--cores", "64", "--wrap", "true")
        self.assertEqual(r.returncode, 1, r)
        a = json.loads(r.out)
        self.assertFalse(a["admissible"])
        self.assertIn("64 cores", a["detail"])
        # a real submit of the same job is refused too, for the same reason
        r = self.cli("submit", "--cores", "64", "--wrap", "true")
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("64 cores", r.err)

    def test_gpus_model_count_reaches_hub(self):
        r = self.cli("submit", "--explain", "--json", "--center", "alpha", "--gpus", "a100:2",
                     "--wrap", "true")
        self.assertEqual(r.returncode, 1, r)
        a = json.loads(r.out)
        self.assertFalse(a["admissible"])
        self.assertIn("a100", a["detail"])
        alpha = [x for x in a["verdicts"] if x["center"] == "alpha"][0]
        self.assertFalse(alpha["eligible"])
        self.assertIn("2 a100 GPUs", alpha["reason"])
        # the same from a script's directive, and --gpu-model with a count
        path = os.path.join(self.home, "gpu.sh")
        with open(path, "w") as f:
            f.write("#!/bin/sh\n#HPCNET --gpus h100:1\n#HPCNET --center alpha\nnvidia-smi\n")
        r = self.cli("submit", "--explain", "--json", path)
        self.assertEqual(r.returncode, 1, r)
        self.assertIn("1 h100 GPUs", json.loads(r.out)["detail"])
        r = self.cli("submit", "--explain", "--json", "--center", "alpha", "--gpus", "3",
                     "--gpu-model", "v100", "--wrap", "true")
        self.assertIn("3 v100 GPUs", json.loads(r.out)["detail"])
        # usage errors, before anything is sent
        for bad in (["--gpus", "a100:"], ["--gpus", ":2"], ["--gpus", "a100:x"],
                    ["--gpus", "a 100:1"], ["--gpus", "a100:2", "--gpu-model", "h100"],
                    ["--gpu-model", "a100"], ["--partition", "a/b"], ["--qos", ""]):
            r = self.cli("submit", "--explain", *bad, "--wrap", "true")
            self.assertEqual(r.returncode, 2, (bad, r))
        r = self.cli("submit", "--explain", "--wait", "--wrap", "true")
        self.assertEqual(r.returncode, 2, r)

    # -- hold, release, suspend ----------------------------------------------
    def test_hold_release_suspend(self):
        busy = self.submit_id("--center", "full", "--wrap", "sleep 300")
        self.c.wait_job(self.tok, busy, states=("running",))
        jid = self.submit_id("--center", "full", "--partition", "p1", "--account", "acct-1",
                             "--qos", "high", "--name", "waiter", "--wrap", "true")
        try:
            # pinned to a center with no room, it stays in the hub's queue
            time.sleep(1.0)  # several scheduler passes
            self.assertEqual(self.c.job(self.tok, jid)["state"], "queued")
            r = self.cli("hold", jid)
            self.assertEqual(r.returncode, 0, r.err)
            self.assertEqual(r.out.strip(), jid + " held")
            self.assertEqual(self.c.job(self.tok, jid)["state"], "held")
            r = self.cli("show", jid)
            self.assertEqual(r.returncode, 0, r.err)
            self.assertIn("held", r.out)
            self.assertIn("partition p1, account acct-1, qos high", r.out)
            j = json.loads(self.cli("show", "--json", jid).out)
            self.assertEqual((j["partition"], j["account"], j["qos"]), ("p1", "acct-1", "high"))
            # holding twice is a conflict the hub explains
            r = self.cli("hold", jid)
            self.assertEqual(r.returncode, 1, r)
            self.assertIn("held", r.err)
            r = self.cli("release", "--json", jid)
            self.assertEqual(r.returncode, 0, r.err)
            self.assertEqual(json.loads(r.out)[0]["state"], "queued")
            self.assertEqual(self.c.job(self.tok, jid)["state"], "queued")
            # the local adapter cannot suspend: exit 1 and say so
            r = self.cli("suspend", busy)
            self.assertEqual(r.returncode, 1, r)
            self.assertIn("cannot suspend", r.err)
            self.assertIn("full", r.err)
            self.assertEqual(self.c.job(self.tok, busy)["state"], "running")
            r = self.cli("hold", busy)
            self.assertEqual(r.returncode, 1, r)
            self.assertIn("running", r.err)
            # several ids: the unknown one fails (4), the good one still goes
            r = self.cli("hold", "job_00000000000000000000000000", jid)
            self.assertEqual(r.returncode, 4, r)
            self.assertIn(jid + " held", r.out)
            self.assertEqual(self.cli("release", jid).returncode, 0)
            self.assertEqual(self.cli("hold").returncode, 2)
            self.assertEqual(self.cli("resume", "--bogus", jid).returncode, 2)
            r = self.cli("requeue", "--help")
            self.assertEqual(r.returncode, 0)
            self.assertIn("hpcnet requeue", r.out)
        finally:
            self.cli("cancel", jid, busy)

    # -- drain ---------------------------------------------------------------
    def test_drain_undrain(self):
        r = self.cli("centers", "drain", "spare")  # not an admin
        self.assertEqual(r.returncode, 3, r)
        self.assertEqual(self.cli("centers", "drain", "nowhere", admin=True).returncode, 4)
        r = self.cli("centers", "drain", "spare", admin=True)
        try:
            self.assertEqual(r.returncode, 0, r.err)
            self.assertIn("draining", r.out)
            self.assertIn("0 jobs not yet delivered re-placed, 0 jobs not yet started recalled",
                          r.out)
            self.assertTrue(self.center("spare")["draining"])
            rows = {ln.split()[0]: ln.split()[1] for ln in self.cli("centers").out.splitlines()[1:]
                    if ln.strip()}
            self.assertEqual(rows["spare"], "draining")
            self.assertEqual(rows["alpha"], "online")
            r = self.cli("submit", "--explain", "--center", "spare", "--wrap", "true")
            self.assertEqual(r.returncode, 0, r.err)
            self.assertIn("would wait", r.out)
            self.assertIn("spare is draining", r.out)
        finally:
            r = self.cli("centers", "undrain", "spare", admin=True)
        self.assertEqual(r.returncode, 0, r.err)
        self.assertIn("takes jobs again", r.out)
        self.assertFalse(self.center("spare")["draining"])
        r = self.cli("centers", "--json")
        spare = [c for c in json.loads(r.out)["items"] if c["name"] == "spare"][0]
        self.assertFalse(spare["draining"])
        line = [ln for ln in self.cli("centers").out.splitlines() if ln.startswith("spare ")][0]
        self.assertEqual(line.split()[1], "online")

    # -- a center with GPU pools and a scheduler that can hold ---------------
    def test_gpu_center_hold_requested_degraded(self):
        ctr = self.c.add_center("gpux")
        r = self.c.post("/api/v1/centers/join", {"join_token": self.c.join_tokens["gpux"],
                                                 "adapter": "slurm"})
        self.assertEqual(r.status, 200, r)
        agent = r.json["agent_token"]

        def beat(health="ok", reason=""):
            body = {"resources": {"total_cores": 8, "free_cores": 8,
                                  "total_memory_bytes": 8 << 30, "free_memory_bytes": 8 << 30,
                                  "total_gpus": 6, "free_gpus": 5, "queue_length": 0,
                                  "running": 0},
                    "caps": ["cancel", "hold", "suspend", "gpus"],
                    "health": health, "health_reason": reason,
                    "snapshot": {"gpu_pools": [{"model": "a100", "total": 2, "free": 1},
                                               {"model": "v100", "total": 4, "free": 4}],
                                 "est_wait_seconds": 120}}
            r = self.c.post("/api/v1/centers/%s/heartbeat" % ctr["id"], body, token=agent)
            self.assertEqual(r.status, 200, r)

        beat()
        line = [ln for ln in self.cli("centers").out.splitlines() if ln.startswith("gpux ")][0]
        self.assertIn("a100 1/2, v100 4/4", line)
        self.assertEqual(line.split()[1], "online")
        r = self.cli("submit", "--explain", "--gpus", "a100:1", "--wrap", "true")
        self.assertEqual(r.returncode, 0, r.err)
        gl = [ln for ln in r.out.splitlines() if ln.startswith("gpux ")][0]
        self.assertIn("runs now", gl)
        self.assertIn("2:00", gl)  # the center's estimated wait
        self.assertIn("Would run now at gpux", r.out)
        # a job placed there is held by its scheduler: requested, not done
        jid = self.submit_id("--gpus", "a100:1", "--wrap", "true")
        j = self.c.wait_job(self.tok, jid, states=("dispatched",))
        self.assertEqual((j["center"], j["gpu_model"], j["gpus"]), ("gpux", "a100", 1))
        r = self.c.get("/api/v1/centers/%s/orders?wait=0" % ctr["id"], token=agent)
        self.assertEqual([o["job_id"] for o in r.json["items"]], [jid], r)
        r = self.cli("hold", jid)
        self.assertEqual(r.returncode, 0, r.err)
        self.assertIn(jid + " hold requested at gpux", r.out)
        self.assertEqual(self.c.job(self.tok, jid)["control_requested"], "hold")
        r = self.cli("show", jid)
        self.assertIn("1 a100 GPU,", r.out)
        self.assertIn("hold requested, waiting for gpux to confirm", r.out)
        # a drain recalls it (the agent has it but has not started it)
        r = self.cli("centers", "drain", "gpux", admin=True)
        self.assertEqual(r.returncode, 0, r.err)
        self.assertIn("1 job not yet started recalled", r.out)
        self.assertIn("recall requested", self.cli("show", jid).out)
        self.assertEqual(self.cli("centers", "undrain", "gpux", admin=True).returncode, 0)
        self.cli("cancel", jid)
        beat("degraded", "sinfo timed out")
        out = self.cli("centers").out
        line = [ln for ln in out.splitlines() if ln.startswith("gpux ")][0]
        self.assertEqual(line.split()[1], "degraded")
        self.assertIn("gpux is degraded: sinfo timed out", out)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class UpTest(unittest.TestCase):
    def test_up_submit_stop_restart(self):
        tmp = tempfile.mkdtemp(prefix="up-")
        data, port = os.path.join(tmp, "data"), free_port()
        env = {"HOME": tmp, "PATH": os.environ.get("PATH", "/usr/bin:/bin")}

        def start():
            log = open(os.path.join(tmp, "up.out"), "ab")
            p = subprocess.Popen([BIN, "up", "--port", str(port), "--data", data],
                                 stdout=log, stderr=log, env=env)
            log.close()
            return p

        def cli(*args):
            return subprocess.run([BIN] + list(args), capture_output=True, env=env, timeout=60)

        def out():
            with open(os.path.join(tmp, "up.out"), errors="replace") as f:
                return f.read()

        up = start()
        try:
            wait_for(lambda: "hpcnet is up" in out() or up.poll() is not None, timeout=60,
                     what="hpcnet up")
            self.assertIsNone(up.poll(), out())
            self.assertIn("http://127.0.0.1:%d/" % port, out())
            envfile = open(os.path.join(data, "env")).read()
            self.assertIn("HPCNET_HUB=http://127.0.0.1:%d" % port, envfile)
            self.assertIn("HPCNET_TOKEN=hpcn_", envfile)
            self.assertEqual(os.stat(os.path.join(data, "env")).st_mode & 0o777, 0o600)
            r = cli("submit", "--wait", "--wrap", "echo up-works")
            self.assertEqual(r.returncode, 0, r.stderr)
            r = cli("jobs", "--json")
            jid = json.loads(r.stdout)["items"][0]["id"]
            centers = json.loads(cli("centers", "--json").stdout)["items"]
            self.assertEqual(sorted(c["name"] for c in centers), ["alpha", "beta"])
            self.assertNotEqual(centers[0]["resources"]["total_cores"],
                                centers[1]["resources"]["total_cores"])
            up.send_signal(signal.SIGINT)
            self.assertEqual(up.wait(30), 0, out())
            self.assertIsNotNone(cli("jobs").returncode)
            # restart on the same data dir: the job is still there
            up = start()
            wait_for(lambda: out().count("hpcnet is up") == 2 or up.poll() is not None,
                     timeout=60, what="second hpcnet up")
            r = cli("logs", jid)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout, b"up-works\n")
            r = cli("submit", "--wait", "--wrap", "true")
            self.assertEqual(r.returncode, 0, r.stderr)
        finally:
            if up.poll() is None:
                up.send_signal(signal.SIGINT)
                try:
                    up.wait(30)
                except subprocess.TimeoutExpired:
                    up.kill()
            subprocess.run(["pkill", "-KILL", "-f", tmp], check=False)
            time.sleep(0.2)
            if not os.environ.get("HPCNET_KEEP_TMP"):
                subprocess.run(["rm", "-rf", tmp], check=False)


if __name__ == "__main__":
    unittest.main(verbosity=2)
