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
        r = self.run_cli("submit", "--wait", "--wrap", "true")
        self.assertEqual(r.returncode, 0, r.stderr)

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
