# SPDX-License-Identifier: Apache-2.0
"""Accounts over their life through a real hub: sign-up under each policy
and with invites, password change (old password required, other tokens
revoked), disabling and enabling a user (tokens stop at once; jobs
cancelled or kept by policy), token lists that show only one's own, and
the audit log: every change recorded, filters, and a verify that names
the first row edited or deleted behind the hub's back."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Cluster, ClusterTest, wait_for  # noqa: E402


class InviteHubTest(ClusterTest):
    """--signup invite, --disabled-user-jobs cancel (the default)."""

    @classmethod
    def setUpClass(cls):
        c = cls.c = Cluster("identity", hub_args=["--signup", "invite"]).start_hub()
        cls.admin = c.admin_token()
        cls.ann = c.create_user("ann", "ann-password-1")
        assert c.post("/api/v1/orgs", {"name": "uni", "admin": "ann"}, token=cls.admin).status == 201
        cls.agent, cls.center = c.join_center("alpha")

    @classmethod
    def tearDownClass(cls):
        cls.c.stop()

    def status(self, r, want):
        self.assertEqual(r.status, want, r)
        return r.json

    def invite(self, token=None, **body):
        return self.status(self.c.post("/api/v1/orgs/uni/invites", body, token=token or self.ann),
                           201)

    def test_signup_needs_a_valid_invite(self):
        p = self.status(self.c.post("/api/v1/signup", {"name": "zed", "password": "password-1"}), 422)
        self.assertEqual(p["errors"][0]["field"], "invite")
        p = self.status(self.c.post("/api/v1/signup", {"name": "zed", "password": "password-1",
                                                       "invite": "hpci_forged"}), 403)
        self.assertIn("invite", p["detail"])
        self.assertEqual(self.c.sql("SELECT COUNT(*) FROM users WHERE name = 'zed'")[0][0], 0)
        inv = self.invite(role="admin")
        self.assertTrue(inv["code"].startswith("hpci_"))
        u = self.status(self.c.post("/api/v1/signup", {"name": "zed", "password": "password-1",
                                                       "invite": inv["code"]}), 201)
        self.assertEqual(u["name"], "zed")
        tok = self.c.login("zed", "password-1")
        me = self.c.get("/api/v1/users/me", token=tok).json
        self.assertEqual([(o["name"], o["my_role"]) for o in me["orgs"]], [("uni", "admin")])
        # the code works once
        self.status(self.c.post("/api/v1/signup", {"name": "zed2", "password": "password-1",
                                                   "invite": inv["code"]}), 403)
        # a taken name does not spend an invite
        inv = self.invite()
        self.status(self.c.post("/api/v1/signup", {"name": "ann", "password": "password-1",
                                                   "invite": inv["code"]}), 409)
        self.status(self.c.post("/api/v1/signup", {"name": "yan", "password": "password-1",
                                                   "invite": inv["code"]}), 201)

    def test_expired_invite(self):
        inv = self.invite(expires_in=60)
        self.c.sql("UPDATE invites SET expires_at = 1 WHERE id = ?", (inv["id"],))
        self.status(self.c.post("/api/v1/signup", {"name": "old", "password": "password-1",
                                                   "invite": inv["code"]}), 403)

    def test_invites_listed_and_revoked(self):
        inv = self.invite(role="admin")
        listed = self.status(self.c.get("/api/v1/orgs/uni/invites", token=self.ann), 200)["items"]
        row = [x for x in listed if x["id"] == inv["id"]]
        self.assertEqual(len(row), 1, listed)
        self.assertEqual((row[0]["role"], row[0]["created_by"], row[0]["used_at"]), ("admin", "ann", None))
        self.assertEqual(row[0]["expires_at"], inv["expires_at"])
        self.assertNotIn("code", row[0])  # shown once, at creation
        self.assertNotIn(inv["code"], str(listed))
        # revoked: the code stops working, and it cannot be revoked twice
        self.status(self.c.request("DELETE", "/api/v1/orgs/uni/invites/" + inv["id"], token=self.ann), 204)
        self.status(self.c.post("/api/v1/signup", {"name": "rev", "password": "password-1",
                                                   "invite": inv["code"]}), 403)
        p = self.status(self.c.request("DELETE", "/api/v1/orgs/uni/invites/" + inv["id"], token=self.ann), 409)
        self.assertIn("used or has expired", p["detail"])
        self.status(self.c.request("DELETE", "/api/v1/orgs/uni/invites/inv_nope", token=self.ann), 404)
        # a used one lists who used it
        used = self.invite()
        self.status(self.c.post("/api/v1/signup", {"name": "usr1", "password": "password-1",
                                                   "invite": used["code"]}), 201)
        listed = self.status(self.c.get("/api/v1/orgs/uni/invites", token=self.admin), 200)["items"]
        self.assertEqual([x["used_by"] for x in listed if x["id"] == used["id"]], ["usr1"])
        self.assertRegex([x["used_at"] for x in listed if x["id"] == used["id"]][0], r"^\d{4}-")
        # a member who is not an admin sees none of it; someone else's org is not there
        mem = self.c.create_user("mem")
        self.status(self.c.post("/api/v1/orgs/uni/members", {"user": "mem"}, token=self.ann), 200)
        self.status(self.c.get("/api/v1/orgs/uni/invites", token=mem), 403)
        self.status(self.c.request("DELETE", "/api/v1/orgs/uni/invites/" + used["id"], token=mem), 403)
        self.status(self.c.get("/api/v1/orgs/uni/invites", token=self.c.create_user("out")), 404)

    def test_settings_are_public(self):
        s = self.status(self.c.get("/api/v1/settings"), 200)
        self.assertEqual(s, {"signup": "invite", "disabled_user_jobs": "cancel", "currency": "CNY",
                             "oidc_signin": None})

    def test_invites_need_org_admin(self):
        bob = self.c.create_user("bob")
        self.status(self.c.post("/api/v1/orgs/uni/invites", {}, token=bob), 404)
        self.status(self.c.post("/api/v1/orgs/uni/members", {"user": "bob"}, token=self.ann), 200)
        p = self.status(self.c.post("/api/v1/orgs/uni/invites", {}, token=bob), 403)
        self.assertIn("org_admin", p["detail"])
        self.invite(token=self.admin)

    def test_password_change(self):
        self.c.create_user("pat", "pat-password-1")
        t1, t2 = self.c.login("pat", "pat-password-1"), self.c.login("pat", "pat-password-1")
        r = self.c.post("/api/v1/sessions", {"username": "pat", "password": "pat-password-1"})
        self.assertEqual(r.status, 201, r)
        cookie = {"Cookie": r.headers["set-cookie"].split(";")[0]}
        self.status(self.c.get("/api/v1/users/me", headers=cookie), 200)
        self.status(self.c.post("/api/v1/users/me/password", {"old_password": "wrong-one",
                                                             "new_password": "pat-password-2"},
                                token=t1), 403)
        self.status(self.c.post("/api/v1/users/me/password", {"old_password": "pat-password-1",
                                                             "new_password": "short"},
                                token=t1), 422)
        r = self.status(self.c.post("/api/v1/users/me/password",
                                    {"old_password": "pat-password-1",
                                     "new_password": "pat-password-2"}, token=t1), 200)
        self.assertGreaterEqual(r["tokens_revoked"], 1)
        self.status(self.c.get("/api/v1/users/me", token=t1), 200)  # the one used stays
        self.status(self.c.get("/api/v1/users/me", token=t2), 401)
        self.status(self.c.get("/api/v1/users/me", headers=cookie), 401)  # portal sessions too
        self.status(self.c.post("/api/v1/tokens", {"username": "pat", "password": "pat-password-1"}),
                    401)
        self.c.login("pat", "pat-password-2")

    def test_token_list_is_own(self):
        t = self.c.create_user("tia")
        mine = {x["id"] for x in self.c.get("/api/v1/tokens", token=t).json["items"]}
        admins = {x["id"] for x in self.c.get("/api/v1/tokens", token=self.admin).json["items"]}
        self.assertTrue(mine)
        self.assertFalse(mine & admins)
        # revoking someone else's token: not found
        self.status(self.c.request("DELETE", "/api/v1/tokens/" + sorted(admins)[0], token=t), 404)

    def test_token_last_used_at(self):
        """Recorded on use, at most once a minute per token (not a write a request)."""
        t = self.c.login("ann", "ann-password-1")
        tid = self.c.sql("SELECT id FROM tokens ORDER BY id DESC LIMIT 1")[0][0]
        self.assertIsNone(self.c.sql("SELECT last_used_at FROM tokens WHERE id = ?", (tid,))[0][0])

        def listed():
            items = self.status(self.c.get("/api/v1/tokens", token=t), 200)["items"]
            return [x for x in items if x["id"] == tid][0]["last_used_at"]
        first = listed()
        self.assertIsNotNone(first)
        stored = self.c.sql("SELECT last_used_at FROM tokens WHERE id = ?", (tid,))[0][0]
        for _ in range(5):
            self.status(self.c.get("/api/v1/users/me", token=t), 200)
        self.assertEqual(self.c.sql("SELECT last_used_at FROM tokens WHERE id = ?", (tid,))[0][0],
                         stored)
        # a minute later (moved back instead of waited for), the next use records it
        self.c.sql("UPDATE tokens SET last_used_at = last_used_at - 61000 WHERE id = ?", (tid,))
        self.status(self.c.get("/api/v1/users/me", token=t), 200)
        self.assertGreaterEqual(self.c.sql("SELECT last_used_at FROM tokens WHERE id = ?",
                                           (tid,))[0][0], stored)
        self.assertGreaterEqual(listed(), first)

    def test_disable_cancels_jobs_and_stops_tokens(self):
        t = self.c.create_user("dora")
        j1 = self.c.submit(t, center="alpha")["id"]
        wait_for(lambda: self.c.job(self.admin, j1)["state"] == "dispatched", what="dispatch")
        j2 = self.c.submit(t, cores=8)["id"]
        p = self.status(self.c.post("/api/v1/users/dora/disable", token=self.ann), 403)
        self.assertIn("platform_admin", p["detail"])
        r = self.status(self.c.post("/api/v1/users/dora/disable", token=self.admin), 200)
        self.assertTrue(r["user"]["disabled"])
        self.assertGreaterEqual(r["jobs_cancelled"], 1)
        p = self.status(self.c.get("/api/v1/users/me", token=t), 401)
        self.assertIn("disabled", p["detail"])
        self.status(self.c.post("/api/v1/tokens", {"username": "dora", "password": "x"}), 401)
        # the dispatched one waits for its center to confirm; nothing runs on
        self.assertTrue(self.c.job(self.admin, j1)["cancel_requested"])
        j2s = self.c.job(self.admin, j2)
        self.assertTrue(j2s["state"] == "cancelled" or j2s["cancel_requested"], j2s)
        self.status(self.c.post("/api/v1/users/dora/enable", token=self.admin), 200)
        self.status(self.c.get("/api/v1/users/me", token=t), 200)
        self.status(self.c.post("/api/v1/users/nobody/disable", token=self.admin), 404)
        self.status(self.c.post("/api/v1/users/admin/disable", token=self.admin), 409)

    # -- audit -------------------------------------------------------------
    def test_audit_records_changes_and_refusals(self):
        bob = self.c.create_user("abe")
        self.c.post("/api/v1/orgs", {"name": "nope"}, token=bob)  # 403
        self.c.post("/api/v1/tokens", {"username": "abe", "password": "wrong"})  # 401
        r = self.status(self.c.get("/api/v1/audit?user=abe", token=self.admin), 200)
        rows = [(x["method"], x["route"], x["status"]) for x in r["items"]]
        self.assertIn(("POST", "/api/v1/orgs", 403), rows)
        self.assertTrue(all(x["actor_name"] == "abe" for x in r["items"]))
        # times are RFC 3339 UTC strings, like everywhere else in the API
        for x in r["items"]:
            self.assertRegex(x["at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", x)
        r = self.status(self.c.get("/api/v1/audit?object=" + self.center, token=self.admin), 200)
        self.assertTrue(r["items"])
        self.assertTrue(all(x["object_id"] == self.center for x in r["items"]), r)
        # heartbeats are not audited, reads are not audited
        self.assertEqual(self.c.sql("SELECT COUNT(*) FROM audit_log WHERE route LIKE '%heartbeat'"
                                    " OR method = 'GET'")[0][0], 0)
        # anonymous failed sign-ins are
        self.assertTrue(self.c.sql("SELECT COUNT(*) FROM audit_log WHERE actor_type = 'anonymous'"
                                   " AND actor_name = 'abe' AND route = '/api/v1/tokens'"
                                   " AND status = 401")[0][0])
        # and no password is ever in the log
        self.assertEqual(self.c.sql("SELECT COUNT(*) FROM audit_log WHERE actor_name = 'wrong'"
                                    " OR object_id = 'wrong'")[0][0], 0)
        # only platform admins read it
        self.status(self.c.get("/api/v1/audit", token=bob), 403)
        self.status(self.c.get("/api/v1/audit?from=yesterday", token=self.admin), 400)
        # pages
        seen, cursor = [], None
        while True:
            r = self.status(self.c.get("/api/v1/audit?limit=3" + ("&cursor=" + cursor if cursor
                                                                   else ""), token=self.admin), 200)
            seen += [x["seq"] for x in r["items"]]
            cursor = r["next_cursor"]
            if not cursor:
                break
        self.assertEqual(seen, sorted(seen, reverse=True))
        self.assertEqual(len(seen), len(set(seen)))
        self.assertLessEqual(len(seen), self.c.sql("SELECT COUNT(*) FROM audit_log")[0][0])
        r = self.status(self.c.get("/api/v1/audit?from=2000-01-01T00:00:00Z&to=2001-01-01T00:00:00Z",
                                   token=self.admin), 200)
        self.assertEqual(r["items"], [])

    def test_zy_audit_survives_kill_9(self):
        before = self.c.sql("SELECT MAX(seq) FROM audit_log")[0][0]
        acked = [self.c.post("/api/v1/orgs", {"name": "k%d" % i}, token=self.admin).status
                 for i in range(5)]
        self.assertEqual(acked, [201] * 5)
        self.c.kill_hub()
        self.c.start_hub()
        self.c._admin = None
        self.admin = self.c.admin_token()
        rows = self.c.sql("SELECT object_type, status FROM audit_log WHERE seq > ? AND route ="
                          " '/api/v1/orgs'", (before,))
        self.assertEqual(rows, [("orgs", 201)] * 5)
        r = self.status(self.c.post("/api/v1/audit/verify", token=self.admin), 200)
        self.assertTrue(r["ok"], r)

    def test_zz_audit_verify_finds_tampering(self):
        """Runs last in this class: it tampers with the log."""
        r = self.status(self.c.post("/api/v1/audit/verify", token=self.admin), 200)
        self.assertTrue(r["ok"], r)
        n = r["rows_checked"]
        self.assertGreater(n, 10)
        # edit a row behind the hub's back
        self.c.sql("UPDATE audit_log SET status = 200 WHERE seq = 7")
        r = self.status(self.c.post("/api/v1/audit/verify", token=self.admin), 200)
        self.assertFalse(r["ok"])
        self.assertEqual(r["first_bad_seq"], 7)
        self.assertIn("edited", r["detail"])
        # delete an earlier one: now that is the first bad seq
        self.c.sql("DELETE FROM audit_log WHERE seq = 4")
        r = self.status(self.c.post("/api/v1/audit/verify", token=self.admin), 200)
        self.assertEqual(r["first_bad_seq"], 4)
        self.assertIn("missing", r["detail"])
        # rewriting a row with a correct-looking hash still breaks the next link
        self.c.sql("INSERT INTO audit_log SELECT 4, at, actor_type, actor_id, actor_name, source_ip,"
                   " method, route, object_type, object_id, status, prev_hash, hash FROM audit_log"
                   " WHERE seq = 3")
        r = self.status(self.c.post("/api/v1/audit/verify", token=self.admin), 200)
        self.assertEqual(r["first_bad_seq"], 4)


class OpenHubTest(ClusterTest):
    """--signup open, --disabled-user-jobs keep."""

    @classmethod
    def setUpClass(cls):
        cls.c = Cluster("identity-open", hub_args=["--signup", "open", "--disabled-user-jobs",
                                                   "keep"]).start_hub()

    @classmethod
    def tearDownClass(cls):
        cls.c.stop()

    def test_open_signup_and_keep_jobs(self):
        c = self.c
        r = c.post("/api/v1/signup", {"name": "eve", "password": "eve-password"})
        self.assertEqual(r.status, 201, r)
        self.assertEqual(r.json["role"], "user")
        self.assertEqual(c.post("/api/v1/signup", {"name": "eve", "password": "eve-password"}).status,
                         409)
        self.assertEqual(c.post("/api/v1/signup", {"name": "Eve!", "password": "eve-password"}).status,
                         422)
        t = c.login("eve", "eve-password")
        # open sign-up: users make their own orgs and run them
        r = c.post("/api/v1/orgs", {"name": "eves-lab"}, token=t)
        self.assertEqual(r.status, 201, r)
        me = c.get("/api/v1/users/me", token=t).json
        self.assertEqual([(o["name"], o["my_role"]) for o in me["orgs"]], [("eves-lab", "admin")])
        self.assertEqual(c.post("/api/v1/orgs", {"name": "x-lab", "admin": "admin"},
                                token=t).status, 422)
        c.join_center("alpha")
        j = c.submit(t, cores=8)["id"]
        r = c.post("/api/v1/users/eve/disable", token=c.admin_token())
        self.assertEqual((r.status, r.json["jobs_cancelled"]), (200, 0), r)
        self.assertFalse(c.job(c.admin_token(), j)["cancel_requested"])
        self.assertEqual(c.get("/api/v1/jobs/" + j, token=t).status, 401)


class ClosedHubTest(unittest.TestCase):
    def test_closed_by_default_and_bad_flags(self):
        c = Cluster("identity-closed").start_hub()
        try:
            r = c.post("/api/v1/signup", {"name": "sam", "password": "sam-password"})
            self.assertEqual(r.status, 403, r)
            self.assertIn("closed", r.json["detail"])
        finally:
            c.stop()
        import subprocess
        from harness import BIN
        for bad in (["--signup", "sometimes"], ["--disabled-user-jobs", "pause"]):
            p = subprocess.run([BIN, "hub", "--listen", "127.0.0.1:0"] + bad, capture_output=True,
                               timeout=30)
            self.assertEqual(p.returncode, 2, p)


if __name__ == "__main__":
    unittest.main(verbosity=2)
