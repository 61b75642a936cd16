# SPDX-License-Identifier: Apache-2.0
"""The hub serving HTTPS itself (--tls-cert/--tls-key): a client that trusts
its certificate works end to end (API, portal cookie, an agent running a
job, the CLI); one that does not, or one speaking plain HTTP, gets a clear
refusal and nothing else; bad TLS options stop the hub at start."""
import http.client
import os
import ssl
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import ADMIN_PASSWORD, BIN, Cluster, ClusterTest  # noqa: E402


class TlsTest(ClusterTest):
    @classmethod
    def setUpClass(cls):
        cls.c = Cluster("tls", tls=True).start_hub()

    @classmethod
    def tearDownClass(cls):
        cls.c.stop()

    def cli(self, *args, ca=True, stdin=None):
        env = self.c.client_env() if ca else dict(os.environ)
        if not ca:
            env.pop("HPCNET_CA_FILE", None)
        env["XDG_CONFIG_HOME"] = os.path.join(self.c.dir, "cli-config")
        env["HPCNET_HUB"] = self.c.url
        return subprocess.run([BIN] + list(args), env=env, input=stdin, capture_output=True,
                              text=True, timeout=120)

    def test_api_over_https_only(self):
        self.assertTrue(self.c.url.startswith("https://"))
        r = self.c.get("/api/v1/health")
        self.assertEqual(r.status, 200, r)
        # plain HTTP to the TLS port: no API answer
        plain = http.client.HTTPConnection(self.c.host, self.c.port, timeout=10)
        with self.assertRaises((http.client.HTTPException, OSError)):
            plain.request("GET", "/api/v1/health")
            plain.getresponse().read()
        plain.close()
        # a client that does not trust the certificate refuses the hub
        strict = http.client.HTTPSConnection(self.c.host, self.c.port, timeout=10,
                                             context=ssl.create_default_context())
        with self.assertRaises(ssl.SSLCertVerificationError):
            strict.request("GET", "/api/v1/health")
        strict.close()

    def test_portal_cookie_is_secure(self):
        r = self.c.post("/api/v1/sessions", {"username": "admin", "password": ADMIN_PASSWORD})
        self.assertEqual(r.status, 201, r)
        cookie = r.headers.get("set-cookie", "")
        self.assertIn("HttpOnly", cookie)
        self.assertIn("Secure", cookie)

    def test_agent_and_cli_through_https(self):
        self.c.start_agent("tlsc", cores=2)
        self.c.wait_online(["tlsc"])
        tok = self.c.admin_token()
        job = self.c.submit(tok, command="echo over-tls", center="tlsc")
        done = self.c.wait_job(tok, job["id"])
        self.assertEqual(done["state"], "succeeded", done)
        self.assertEqual(self.c.output(tok, job["id"]), b"over-tls\n")

        # the CLI: refused with what to do, then signed in with the CA
        r = self.cli("login", "--user", "admin", "--password-stdin", ca=False,
                     stdin=ADMIN_PASSWORD + "\n")
        self.assertNotEqual(r.returncode, 0, r)
        self.assertIn("HPCNET_CA_FILE", r.stderr)
        self.assertNotIn("Is it running", r.stderr)
        r = self.cli("login", "--user", "admin", "--password-stdin", stdin=ADMIN_PASSWORD + "\n")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.cli("submit", "--wait", "--center", "tlsc", "--wrap", "echo cli-tls")
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_agent_without_the_ca_says_why(self):
        c = self.c
        c.add_center("untrusted")
        log = os.path.join(c.dir, "agent-untrusted.log")
        env = dict(os.environ)
        env.pop("HPCNET_CA_FILE", None)
        with open(log, "ab") as f:
            p = subprocess.Popen([BIN, "agent", "--hub", c.url, "--join-token",
                                  c.join_tokens["untrusted"], "--name", "untrusted",
                                  "--adapter", "local", "--workdir",
                                  os.path.join(c.dir, "centers", "untrusted"), "--cores", "1",
                                  "--mem", "1G"], stdout=f, stderr=f, env=env)
        try:
            def said():
                with open(log, errors="replace") as fh:
                    return "HPCNET_CA_FILE" in fh.read()
            from harness import wait_for
            wait_for(said, 30, what="the agent naming HPCNET_CA_FILE")
            self.assertIsNone(p.poll(), "the agent keeps retrying; it does not exit")
        finally:
            p.terminate()
            p.wait(20)
        centers = {x["name"]: x for x in c.get("/api/v1/centers",
                                               token=c.admin_token()).json["items"]}
        self.assertNotEqual(centers["untrusted"]["status"], "online")


class TlsOptionsTest(unittest.TestCase):
    def hub(self, *args):
        return subprocess.run([BIN, "hub", "--listen", "127.0.0.1:0", "--db",
                               "sqlite:" + os.path.join(self.dir, "hub.db")] + list(args),
                              capture_output=True, text=True, timeout=30)

    def setUp(self):
        import tempfile
        self.dir = tempfile.mkdtemp(prefix="tls-opts-")

    def tearDown(self):
        import shutil
        shutil.rmtree(self.dir, ignore_errors=True)

    def test_bad_tls_options_stop_the_hub(self):
        junk = os.path.join(self.dir, "junk.pem")
        with open(junk, "w") as f:
            f.write("not a certificate\n")
        r = self.hub("--tls-cert", junk)
        self.assertEqual(r.returncode, 2, r)
        self.assertIn("both --tls-cert and --tls-key", r.stderr)
        r = self.hub("--tls-cert", junk, "--tls-key", junk)
        self.assertEqual(r.returncode, 2, r)
        self.assertIn("PEM", r.stderr)
        r = self.hub("--tls-cert", os.path.join(self.dir, "missing.pem"), "--tls-key", junk)
        self.assertEqual(r.returncode, 2, r)
        self.assertIn("cannot read --tls-cert", r.stderr)


if __name__ == "__main__":
    unittest.main()
