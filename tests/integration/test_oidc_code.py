# SPDX-License-Identifier: Apache-2.0
"""The portal's sign-in through an OpenID provider (authorization code +
PKCE) against the local issuer of test_oidc.py, with this test as the
browser: GET /api/v1/oidc/login, follow the redirect to the issuer's
/authorize, follow its redirect back to /api/v1/oidc/callback with the
login cookie, and use the session cookie that comes back. Also: a state
works once, only in the browser that started it, and only for ten
minutes; a code got with another PKCE challenge, an ID token with another
nonce, an open redirect and the provider's own error are refused, each
ending on the portal's sign-in page with its reason."""
import http.client
import os
import re
import sys
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import Cluster, ClusterTest  # noqa: E402
from test_oidc import AUD, HAVE_CRYPTO, Issuer  # noqa: E402

REDIRECT = "https://hub.example/api/v1/oidc/callback"
SECRET = "s3cret/with:odd+chars"


def fetch(url_or_host, port=None, path=None, cookie=None):
    """One GET without following redirects: (status, Location, [Set-Cookie], body)."""
    if port is None:
        u = urllib.parse.urlsplit(url_or_host)
        host, port = u.hostname, u.port
        path = u.path + ("?" + u.query if u.query else "")
    else:
        host = url_or_host
    c = http.client.HTTPConnection(host, port, timeout=30)
    try:
        c.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        r = c.getresponse()
        body = r.read()
        cookies = [v for k, v in r.getheaders() if k.lower() == "set-cookie"]
        return r.status, r.getheader("Location"), cookies, body
    finally:
        c.close()


def cookie_of(cookies, name):
    for c in cookies:
        m = re.match(r"%s=([^;]*)" % name, c)
        if m:
            return m.group(1), [f.strip() for f in c.split(";")]
    return None, None


@unittest.skipUnless(HAVE_CRYPTO, "python3-cryptography is not installed and cannot be")
class OidcCodeTest(ClusterTest):
    @classmethod
    def setUpClass(cls):
        cls.idp = Issuer()
        cls.idp.add_key("rsa1", "RS256")
        cls.idp.client_secret = SECRET
        cls.c = Cluster("oidc-code")
        secret_file = os.path.join(cls.c.dir, "client-secret")
        with open(secret_file, "w") as f:
            f.write(SECRET + "\n")
        cls.c.hub_args = ["--oidc-issuer", cls.idp.url, "--oidc-audience", AUD,
                          "--oidc-create-users", "--oidc-org-claim", "groups",
                          "--oidc-redirect-uri", REDIRECT,
                          "--oidc-client-secret-file", secret_file,
                          "--oidc-provider-name", "Uni Login"]
        cls.c.start_hub()
        r = cls.c.post("/api/v1/orgs", {"name": "uni"}, token=cls.c.admin_token())
        assert r.status == 201, r

    @classmethod
    def tearDownClass(cls):
        cls.c.stop()
        cls.idp.stop()

    def setUp(self):
        self.idp.deny = None
        self.idp.nonce_override = None
        self.idp.user = {}

    def login(self, return_to="/#/jobs", cookie=None):
        """GET /oidc/login: (authorize URL, login cookie)."""
        st, loc, cookies, body = fetch(self.c.host, self.c.port, "/api/v1/oidc/login?return_to=" +
                                       urllib.parse.quote(return_to, safe=""), cookie)
        self.assertEqual(st, 302, body)
        self.assertTrue(loc.startswith(self.idp.url + "/authorize?"), loc)
        value, flags = cookie_of(cookies, "hpcnet_oidc")
        self.assertTrue(value, cookies)
        for f in ("HttpOnly", "SameSite=Lax", "Path=/api/v1/oidc/", "Max-Age=600"):
            self.assertIn(f, flags)
        return loc, "hpcnet_oidc=" + value

    def at_provider(self, authorize_url):
        """The issuer's answer: the callback path (with code/error, state) on this hub."""
        st, loc, _, body = fetch(authorize_url)
        self.assertEqual(st, 302, body)
        self.assertTrue(loc.startswith(REDIRECT + "?"), loc)
        return "/api/v1/oidc/callback?" + urllib.parse.urlsplit(loc).query

    def callback(self, path, cookie):
        st, loc, cookies, body = fetch(self.c.host, self.c.port, path, cookie)
        self.assertEqual(st, 302, body)  # never a bare error body
        return loc, cookies

    def refused(self, path, cookie, reason):
        loc, cookies = self.callback(path, cookie)
        self.assertTrue(loc.startswith("/#/signin?oidc_error=" + reason), loc)
        self.assertIsNone(cookie_of(cookies, "hpcnet_session")[0], cookies)
        return loc

    def test_full_flow_signs_in_with_a_session(self):
        url, cookie = self.login("/#/jobs")
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        self.assertEqual(q["response_type"], "code")
        self.assertEqual(q["client_id"], AUD)
        self.assertEqual(q["redirect_uri"], REDIRECT)
        self.assertEqual(q["scope"], "openid profile email")
        self.assertEqual(q["code_challenge_method"], "S256")
        self.assertEqual(len(q["code_challenge"]), 43)
        self.assertGreaterEqual(len(q["state"]), 43)
        self.assertGreaterEqual(len(q["nonce"]), 43)
        self.assertNotEqual(q["state"], q["nonce"])
        self.idp.user = {"sub": "web-full", "preferred_username": "web.full", "groups": ["uni"]}
        loc, cookies = self.callback(self.at_provider(url), cookie)
        self.assertEqual(loc, "/#/jobs")
        session, flags = cookie_of(cookies, "hpcnet_session")
        self.assertTrue(session and session.startswith("hpcs_"), cookies)
        self.assertIn("HttpOnly", flags)
        self.assertIn("SameSite=Lax", flags)
        self.assertEqual(cookie_of(cookies, "hpcnet_oidc")[0], "")  # the login cookie is spent
        # the token endpoint got the verifier of the challenge, and the secret by HTTP Basic
        form, auth = self.idp.token_requests[-1]
        self.assertEqual(form["redirect_uri"], REDIRECT)
        self.assertTrue(auth and auth.startswith("Basic "), auth)
        self.assertNotIn(SECRET, form.values())
        # the session works like one from the password form
        cur = self.c.get("/api/v1/sessions/current",
                         headers={"Cookie": "hpcnet_session=" + session})
        self.assertEqual(cur.status, 200, cur)
        self.assertEqual(cur.json["user"]["name"], "web.full")
        me = self.c.get("/api/v1/users/me", headers={"Cookie": "hpcnet_session=" + session})
        self.assertEqual([o["name"] for o in me.json["orgs"]], ["uni"])
        # a change with the session's CSRF token
        r = self.c.request("POST", "/api/v1/jobs/explain", body={"command": "true"},
                           headers={"Cookie": "hpcnet_session=" + session,
                                    "X-CSRF-Token": cur.json["csrf_token"]})
        self.assertNotIn(r.status, (401, 403), r)
        # audited: a GET, but it signed someone in
        rows = self.c.get("/api/v1/audit?user=%s" % cur.json["user"]["id"],
                          token=self.c.admin_token()).json["items"]
        signins = [x for x in rows if x["route"] == "/api/v1/oidc/callback"]
        self.assertEqual(len(signins), 1, rows)
        self.assertEqual(signins[0]["status"], 302)
        self.assertEqual(signins[0]["object_id"], cur.json["id"])
        # the same identity again: the same user
        url, cookie = self.login("/")
        loc, cookies = self.callback(self.at_provider(url), cookie)
        self.assertEqual(loc, "/")
        again = self.c.get("/api/v1/sessions/current", headers={
            "Cookie": "hpcnet_session=" + cookie_of(cookies, "hpcnet_session")[0]})
        self.assertEqual(again.json["user"]["id"], cur.json["user"]["id"])

    def test_state_is_used_once(self):
        url, cookie = self.login()
        path = self.at_provider(url)
        loc, cookies = self.callback(path, cookie)
        self.assertEqual(loc, "/#/jobs")
        self.refused(path, cookie, "state")  # replayed
        # an unknown state, and none at all
        code = dict(urllib.parse.parse_qsl(path.split("?", 1)[1]))["code"]
        self.refused("/api/v1/oidc/callback?code=%s&state=forged" % code, cookie, "state")
        self.refused("/api/v1/oidc/callback?code=x", cookie, "state")
        # the refusal is audited too, with its reason
        rows = self.c.get("/api/v1/audit?object=oidc:state", token=self.c.admin_token()).json
        self.assertTrue(rows["items"], rows)
        self.assertEqual(rows["items"][0]["actor_type"], "anonymous")

    def test_state_belongs_to_the_browser_that_started(self):
        url, cookie = self.login()
        path = self.at_provider(url)
        # the callback link carried to another browser (login CSRF)
        self.refused(path, None, "state")
        url, cookie = self.login()
        _, other = self.login()
        self.refused(self.at_provider(url), other, "state")

    def test_two_tabs_share_the_binding(self):
        url1, cookie = self.login()
        url2, cookie2 = self.login(cookie=cookie)
        self.assertEqual(cookie, cookie2)
        loc, _ = self.callback(self.at_provider(url2), cookie)
        self.assertEqual(loc, "/#/jobs")
        loc, _ = self.callback(self.at_provider(url1), cookie)
        self.assertEqual(loc, "/#/jobs")

    def test_state_expires(self):
        url, cookie = self.login()
        path = self.at_provider(url)
        self.c.sql("UPDATE oidc_logins SET expires_at = 1")
        self.refused(path, cookie, "state")

    def test_code_verifier_mismatch(self):
        # an attacker's challenge on the way to the provider (or a code got
        # for another sign-in): the hub's verifier does not fit it
        url, cookie = self.login()
        forged = re.sub(r"code_challenge=[^&]+", "code_challenge=" + "A" * 43, url)
        self.refused(self.at_provider(forged), cookie, "exchange")
        self.assertEqual(self.idp.token_requests[-1][0]["grant_type"], "authorization_code")

    def test_nonce_mismatch(self):
        self.idp.nonce_override = "someone-elses-nonce"
        url, cookie = self.login()
        self.refused(self.at_provider(url), cookie, "token")

    def test_open_redirect_refused(self):
        for bad in ("https://evil.example/", "//evil.example/x", "/\\evil.example",
                    "evil.example", "/\r\nSet-Cookie: x=1", "/\tx"):
            st, loc, cookies, body = fetch(self.c.host, self.c.port,
                                           "/api/v1/oidc/login?return_to=" +
                                           urllib.parse.quote(bad, safe=""))
            self.assertEqual(st, 400, (bad, body))
            self.assertIsNone(loc)
            self.assertIn("return_to", body.decode())

    def test_provider_error_shown(self):
        self.idp.deny = "access_denied"
        url, cookie = self.login()
        loc = self.refused(self.at_provider(url), cookie, "provider")
        self.assertEqual(loc, "/#/signin?oidc_error=provider&oidc_detail=access_denied")

    def test_no_account_and_disabled(self):
        url, cookie = self.login()
        self.idp.user = {"sub": "web-dis", "preferred_username": "web.dis"}
        loc, cookies = self.callback(self.at_provider(url), cookie)
        uid = self.c.get("/api/v1/sessions/current", headers={
            "Cookie": "hpcnet_session=" + cookie_of(cookies, "hpcnet_session")[0]}).json["user"]["id"]
        self.assertEqual(self.c.post("/api/v1/users/%s/disable" % uid,
                                     token=self.c.admin_token()).status, 200)
        url, cookie = self.login()
        self.refused(self.at_provider(url), cookie, "disabled")

    def test_settings_name_the_provider(self):
        s = self.c.get("/api/v1/settings").json
        self.assertEqual(s["oidc_signin"], {"provider_name": "Uni Login",
                                            "login_url": "/api/v1/oidc/login"})


@unittest.skipUnless(HAVE_CRYPTO, "python3-cryptography is not installed and cannot be")
class OidcCodeOtherHubsTest(unittest.TestCase):
    def test_without_redirect_uri_no_button(self):
        idp = Issuer()
        c = Cluster("oidc-code-off", hub_args=["--oidc-issuer", idp.url, "--oidc-audience",
                                               AUD]).start_hub()
        try:
            self.assertIsNone(c.get("/api/v1/settings").json["oidc_signin"])
            r = c.get("/api/v1/oidc/login")
            self.assertEqual(r.status, 404, r)
            r = c.get("/api/v1/oidc/callback?state=x&code=y")
            self.assertEqual((r.status, r.headers["location"]),
                             (302, "/#/signin?oidc_error=config"))
        finally:
            c.stop()
            idp.stop()

    def test_public_client_and_unlinked_identity(self):
        """No client secret (PKCE alone), no --oidc-create-users."""
        idp = Issuer()
        idp.add_key("rsa1", "RS256")
        c = Cluster("oidc-code-pub", hub_args=["--oidc-issuer", idp.url, "--oidc-audience", AUD,
                                               "--oidc-redirect-uri", REDIRECT]).start_hub()
        try:
            self.assertEqual(c.get("/api/v1/settings").json["oidc_signin"]["provider_name"],
                             "127.0.0.1")
            st, loc, cookies, _ = fetch(c.host, c.port, "/api/v1/oidc/login")
            self.assertEqual(st, 302)
            cookie = "hpcnet_oidc=" + cookie_of(cookies, "hpcnet_oidc")[0]
            _, back, _, _ = fetch(loc)
            st, loc, _, _ = fetch(c.host, c.port, "/api/v1/oidc/callback?" +
                                  urllib.parse.urlsplit(back).query, cookie)
            self.assertEqual((st, loc), (302, "/#/signin?oidc_error=account"))
            form, auth = idp.token_requests[-1]
            self.assertIsNone(auth)
            self.assertEqual(form["client_id"], AUD)
        finally:
            c.stop()
            idp.stop()

    def test_provider_down(self):
        idp = Issuer()
        url = idp.url
        idp.stop()
        c = Cluster("oidc-code-down", hub_args=["--oidc-issuer", url, "--oidc-audience", AUD,
                                                "--oidc-redirect-uri", REDIRECT]).start_hub()
        try:
            st, loc, _, _ = fetch(c.host, c.port, "/api/v1/oidc/login")
            self.assertEqual((st, loc), (302, "/#/signin?oidc_error=unavailable"))
        finally:
            c.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
