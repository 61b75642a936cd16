# SPDX-License-Identifier: Apache-2.0
"""The portal's cookie sessions: sign-in sets an HttpOnly SameSite=Lax
cookie, the cookie signs requests in, every change made with it needs the
session's CSRF token, sign-out and both expiries end it, and a bearer
token keeps working without any of this."""
import os
import re
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import ADMIN_PASSWORD, Cluster, ClusterTest  # noqa: E402

IDLE_S = 3


class SessionTest(ClusterTest):
    @classmethod
    def setUpClass(cls):
        # A short idle limit, so the idle expiry can be seen.
        cls.c = Cluster("sessions", hub_args=["--session-idle", str(IDLE_S),
                                              "--session-max", "3600"]).start_hub()
        cls.pw = "alice-password"
        cls.alice = cls.c.create_user("alice", cls.pw)
        cls.c.create_user("bob", "bob-password")

    @classmethod
    def tearDownClass(cls):
        cls.c.stop()

    def sign_in(self, user="alice", pw=None):
        r = self.c.post("/api/v1/sessions", {"username": user, "password": pw or self.pw},
                        headers={"User-Agent": "test"})
        self.assertEqual(r.status, 201, r)
        m = re.match(r"hpcnet_session=([^;]+);", r.headers["set-cookie"])
        self.assertTrue(m, r.headers["set-cookie"])
        return m.group(1), r

    def req(self, method, path, cookie, csrf=None, body=None):
        h = {"Cookie": "hpcnet_session=" + cookie}
        if csrf is not None:
            h["X-CSRF-Token"] = csrf
        return self.c.request(method, path, body=body, headers=h)

    def test_sign_in_sets_a_safe_cookie(self):
        cookie, r = self.sign_in()
        flags = [f.strip() for f in r.headers["set-cookie"].split(";")]
        self.assertIn("HttpOnly", flags)
        self.assertIn("SameSite=Lax", flags)
        self.assertIn("Path=/", flags)
        self.assertNotIn("Secure", flags)  # plain HTTP here; --secure-cookies sets it
        self.assertTrue(cookie.startswith("hpcs_") and len(cookie) > 40, cookie)
        self.assertEqual(r.json["user"]["name"], "alice")
        self.assertEqual(r.json["idle_timeout_seconds"], IDLE_S)
        self.assertRegex(r.json["csrf_token"], "^[0-9a-f]{64}$")
        # Only the hash is stored.
        rows = self.c.sql("SELECT hash FROM sessions WHERE id = ?", (r.json["id"],))
        self.assertEqual(len(rows), 1)
        self.assertNotIn(cookie, rows[0][0])

    def test_wrong_password_is_401_and_sets_no_cookie(self):
        r = self.c.post("/api/v1/sessions", {"username": "alice", "password": "nope"})
        self.assertEqual(r.status, 401, r)
        self.assertIn("wrong user name or password", r.json["detail"])
        self.assertNotIn("set-cookie", r.headers)
        r = self.c.post("/api/v1/sessions", {"username": "alice"})
        self.assertEqual(r.status, 422, r)
        r = self.c.post("/api/v1/sessions", {"username": "alice", "password": "x", "extra": 1})
        self.assertEqual(r.status, 422, r)

    def test_cookie_reads_and_current_gives_the_same_csrf(self):
        cookie, r = self.sign_in()
        me = self.req("GET", "/api/v1/users/me", cookie)
        self.assertEqual(me.status, 200, me)
        self.assertEqual(me.json["name"], "alice")
        cur = self.req("GET", "/api/v1/sessions/current", cookie)
        self.assertEqual(cur.status, 200, cur)
        self.assertEqual(cur.json["csrf_token"], r.json["csrf_token"])
        self.assertEqual(cur.json["id"], r.json["id"])
        # Another session of the same user has another CSRF token.
        _, r2 = self.sign_in()
        self.assertNotEqual(r2.json["csrf_token"], r.json["csrf_token"])

    def test_changes_need_the_csrf_token(self):
        cookie, r = self.sign_in()
        csrf = r.json["csrf_token"]
        job = {"command": "true"}
        n = self.c.sql("SELECT COUNT(*) FROM jobs")[0][0]
        missing = self.req("POST", "/api/v1/jobs/explain", cookie, body=job)
        self.assertEqual(missing.status, 403, missing)
        self.assertIn("missing X-CSRF-Token", missing.json["detail"])
        wrong = self.req("POST", "/api/v1/jobs", cookie, csrf="0" * 64, body=job)
        self.assertEqual(wrong.status, 403, wrong)
        self.assertIn("wrong X-CSRF-Token", wrong.json["detail"])
        short = self.req("POST", "/api/v1/jobs", cookie, csrf="abc", body=job)
        self.assertEqual(short.status, 403, short)
        # Another session's token is wrong for this one.
        _, other = self.sign_in("bob", "bob-password")
        cross = self.req("POST", "/api/v1/jobs", cookie, csrf=other.json["csrf_token"], body=job)
        self.assertEqual(cross.status, 403, cross)
        self.assertEqual(self.c.sql("SELECT COUNT(*) FROM jobs")[0][0], n)
        # With it, the change goes through (422: no center yet, but past auth).
        ok = self.req("POST", "/api/v1/jobs/explain", cookie, csrf=csrf, body=job)
        self.assertEqual(ok.status, 200, ok)
        # Bearer tokens need none.
        r = self.c.post("/api/v1/jobs/explain", job, token=self.alice)
        self.assertEqual(r.status, 200, r)

    def test_sign_out_ends_the_session(self):
        cookie, r = self.sign_in()
        out = self.req("DELETE", "/api/v1/sessions/current", cookie)
        self.assertEqual(out.status, 403, out)  # sign-out is a change too
        out = self.req("DELETE", "/api/v1/sessions/current", cookie, csrf=r.json["csrf_token"])
        self.assertEqual(out.status, 204, out)
        self.assertIn("Max-Age=0", out.headers["set-cookie"])
        me = self.req("GET", "/api/v1/users/me", cookie)
        self.assertEqual(me.status, 401, me)
        self.assertIn("signed out", me.json["detail"])

    def test_idle_and_absolute_expiry(self):
        cookie, r = self.sign_in()
        # Use within the idle limit keeps it alive past IDLE_S in total.
        for _ in range(4):
            time.sleep(IDLE_S / 3.0)
            self.assertEqual(self.req("GET", "/api/v1/users/me", cookie).status, 200)
        time.sleep(IDLE_S + 1.5)
        me = self.req("GET", "/api/v1/users/me", cookie)
        self.assertEqual(me.status, 401, me)
        self.assertIn("without use", me.json["detail"])
        # Absolute expiry (the hub's --session-max), seen through the store.
        cookie, r = self.sign_in()
        self.c.sql("UPDATE sessions SET expires_at = 1 WHERE id = ?", (r.json["id"],))
        me = self.req("GET", "/api/v1/users/me", cookie)
        self.assertEqual(me.status, 401, me)
        self.assertIn("expired", me.json["detail"])

    def test_unknown_cookie_and_bearer_have_no_session(self):
        me = self.req("GET", "/api/v1/users/me", "hpcs_forged")
        self.assertEqual(me.status, 401, me)
        self.assertIn("sign in again", me.json["detail"])
        r = self.c.get("/api/v1/sessions/current", token=self.alice)
        self.assertEqual(r.status, 404, r)
        r = self.c.request("DELETE", "/api/v1/sessions/current", token=self.alice)
        self.assertEqual(r.status, 404, r)
        # A cookie never stands in for an agent's credential.
        r = self.req("GET", "/api/v1/centers/x/orders", self.sign_in()[0])
        self.assertEqual(r.status, 401, r)

    def test_admin_routes_with_a_user_session(self):
        cookie, r = self.sign_in()
        u = self.req("GET", "/api/v1/users", cookie)
        self.assertEqual(u.status, 403, u)
        adm = self.c.post("/api/v1/sessions", {"username": "admin",
                                               "password": ADMIN_PASSWORD})
        self.assertEqual(adm.status, 201, adm)
        self.assertEqual(adm.json["user"]["role"], "admin")

    def test_disabled_user_session_stops(self):
        cookie, _ = self.sign_in("bob", "bob-password")
        self.c.sql("UPDATE users SET disabled = 1 WHERE name = 'bob'")
        try:
            me = self.req("GET", "/api/v1/users/me", cookie)
            self.assertEqual(me.status, 401, me)
            self.assertIn("disabled", me.json["detail"])
        finally:
            self.c.sql("UPDATE users SET disabled = 0 WHERE name = 'bob'")


class SecureCookieTest(ClusterTest):
    """Behind a TLS proxy the hub is told so, and marks the cookie Secure."""

    def test_secure_flag(self):
        c = Cluster("sessions-tls", hub_args=["--secure-cookies"]).start_hub()
        try:
            r = c.post("/api/v1/sessions", {"username": "admin", "password": ADMIN_PASSWORD})
            self.assertEqual(r.status, 201, r)
            flags = [f.strip() for f in r.headers["set-cookie"].split(";")]
            self.assertIn("Secure", flags)
            self.assertIn("HttpOnly", flags)
        finally:
            c.stop()


if __name__ == "__main__":
    unittest.main()
