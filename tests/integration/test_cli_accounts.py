# SPDX-License-Identifier: Apache-2.0
"""The identity verbs of the `hpcnet` CLI against a real hub: orgs,
projects, roles, invites and signup, submit --project, passwd, users
disable/enable, admin audit and its verify; tables and --json; exit
codes 3 (not allowed) and 4 (not found)."""
import json
import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN, Cluster, ClusterTest  # noqa: E402


class CliAccountsTest(ClusterTest):
    @classmethod
    def setUpClass(cls):
        c = cls.c = Cluster("cli-accounts", hub_args=["--signup", "invite"]).start_hub()
        c.join_center("alpha")
        cls.admin = c.admin_token()
        cls.ann = c.create_user("ann", "ann-password-1")
        cls.bob = c.create_user("bob", "bob-password-1")

    @classmethod
    def tearDownClass(cls):
        cls.c.stop()

    def cli(self, token, *args, stdin=None, code=0):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.c.dir,
               "XDG_CONFIG_HOME": os.path.join(self.c.dir, "xdg"), "HPCNET_HUB": self.c.url}
        if token:
            env["HPCNET_TOKEN"] = token
        p = subprocess.run([BIN] + list(args), input=stdin, capture_output=True, env=env,
                           timeout=60)
        self.assertEqual(p.returncode, code, (args, p.stdout, p.stderr))
        return p.stdout.decode()

    def project_id(self, name):
        items = json.loads(self.cli(self.admin, "projects", "--json"))["items"]
        return [p["id"] for p in items if p["name"] == name][0]

    def test_orgs_projects_and_submit(self):
        self.cli(self.admin, "orgs", "create", "uni", "--kind", "university", "--owner", "ann")
        out = self.cli(self.ann, "orgs")
        self.assertIn("uni", out)
        self.assertIn("admin", out)
        self.cli(self.ann, "orgs", "add", "uni", "bob")
        members = json.loads(self.cli(self.ann, "orgs", "members", "uni", "--json"))["items"]
        self.assertEqual(sorted((m["user_name"], m["role"]) for m in members),
                         [("ann", "admin"), ("bob", "member")])
        # bob may see, not manage: exit 3; an unknown org: exit 4
        self.cli(self.bob, "orgs", "add", "uni", "admin", code=3)
        self.cli(self.bob, "orgs", "members", "nowhere", code=4)
        self.cli(self.ann, "projects", "create", "uni", "physics", "--description", "lasers")
        out = self.cli(self.bob, "projects", "--org", "uni")
        self.assertIn("physics", out)
        self.cli(self.ann, "projects", "add", self.project_id("physics"), "bob")
        self.assertIn("bob", self.cli(self.bob, "projects", "members", self.project_id("physics")))
        jid = self.cli(self.bob, "submit", "--project", "uni/physics", "--wrap", "true").strip()
        self.assertTrue(jid.startswith("job_"), jid)
        job = json.loads(self.cli(self.ann, "show", jid, "--json"))
        self.assertEqual(job["project"], "physics")
        self.cli(self.bob, "orgs", "remove", "uni", "bob", code=3)
        self.cli(self.ann, "orgs", "remove", "uni", "bob")
        self.cli(self.bob, "submit", "--project", "uni/physics", "--wrap", "true", code=1)

    def test_invite_and_signup(self):
        self.cli(self.admin, "orgs", "create", "lab", "--owner", "ann")
        out = self.cli(self.ann, "orgs", "invite", "lab")
        code = [w for w in out.split() if w.startswith("hpci_")][0]
        self.cli(None, "signup", "--invite", code, "--password-stdin", "carl",
                 stdin=b"carl-password-1\n")
        self.cli(None, "signup", "--invite", code, "--password-stdin", "carl2",
                 stdin=b"carl-password-1\n", code=3)
        tok = self.c.login("carl", "carl-password-1")
        self.assertIn("lab", self.cli(tok, "orgs"))

    def test_roles(self):
        self.cli(self.admin, "roles", "grant", "bob", "center_operator", "--center", "alpha")
        out = self.cli(self.admin, "roles", "--user", "bob")
        self.assertIn("center_operator", out)
        self.assertIn("alpha", out)
        self.cli(self.ann, "roles", code=3)
        self.cli(self.admin, "roles", "grant", "bob", "wizard", code=1)
        self.cli(self.admin, "roles", "revoke", "bob", "center_operator", "--center", "alpha")
        self.assertNotIn("center_operator", self.cli(self.admin, "roles", "--user", "bob"))

    def test_passwd_and_disable(self):
        self.c.create_user("dee", "dee-password-1")
        t1, t2 = self.c.login("dee", "dee-password-1"), self.c.login("dee", "dee-password-1")
        self.cli(t1, "passwd", "--password-stdin", stdin=b"wrong-password\nnew-password-22\n", code=3)
        out = self.cli(t1, "passwd", "--password-stdin", stdin=b"dee-password-1\ndee-password-2\n")
        self.assertIn("revoked", out)
        self.cli(t2, "whoami", code=3)
        self.cli(t1, "whoami")
        self.cli(self.ann, "users", "disable", "dee", code=3)
        self.cli(self.admin, "users", "disable", "dee")
        self.cli(t1, "whoami", code=3)
        self.cli(self.admin, "users", "enable", "dee")
        self.cli(t1, "whoami")

    def test_zz_audit(self):
        out = self.cli(self.admin, "admin", "audit", "--user", "ann", "--limit", "5")
        self.assertIn("ann", out)
        # the AT column is a readable UTC time, not epoch milliseconds
        self.assertRegex(out, r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d")
        rows = json.loads(self.cli(self.admin, "admin", "audit", "--json"))["items"]
        self.assertTrue(rows)
        self.assertIn("intact", self.cli(self.admin, "admin", "audit", "verify"))
        self.cli(self.ann, "admin", "audit", code=3)
        self.c.sql("UPDATE audit_log SET actor_name = 'someone' WHERE seq = 2")
        out = self.cli(self.admin, "admin", "audit", "verify", code=1)
        self.assertIn("row 2", out)


if __name__ == "__main__":
    unittest.main(verbosity=2)
