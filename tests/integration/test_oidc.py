# SPDX-License-Identifier: Apache-2.0
"""Sign-in with an external OpenID Connect provider, against a small real
issuer this test runs itself: a stdlib HTTP server with its own RSA and EC
keys (python3-cryptography, Debian's, installed if missing) serving its
discovery document and JWKS, and signing ID tokens. The hub verifies them
with cjose: valid RS256 and ES256 tokens are exchanged for hpcnet tokens;
expired, wrong audience, wrong issuer, bad signature, unknown key id, alg
none and HMAC tokens are refused; key rotation is picked up; the JWKS is
not fetched more than once per refresh interval. The issuer also has an
authorization and a token endpoint (authorization code + PKCE) for the
browser sign-in's test, test_oidc_code.py."""
import base64
import hashlib
import http.server
import json
import os
import secrets
import subprocess
import sys
import threading
import time
import unittest
import urllib.parse

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN, Cluster, ClusterTest  # noqa: E402


def load_crypto():
    try:
        import cryptography  # noqa: F401
    except ImportError:
        if os.geteuid() == 0:
            subprocess.run(["apt-get", "install", "-y", "python3-cryptography"],
                           capture_output=True, check=False)
    try:
        from cryptography.hazmat.primitives import hashes, hmac  # noqa: F401
        from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa  # noqa: F401
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature  # noqa
        return True
    except ImportError:
        return False


HAVE_CRYPTO = load_crypto()
if HAVE_CRYPTO:
    from cryptography.hazmat.primitives import hashes, hmac
    from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

AUD = "hpcnet-portal"


def b64u(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def uint(n, size=None):
    size = size or (n.bit_length() + 7) // 8
    return b64u(n.to_bytes(size, "big"))


class Issuer:
    """A minimal OpenID provider: discovery, JWKS, token signing, and the
    authorization code flow with PKCE (S256): /authorize approves at once
    (as a user who is signed in there and consents) unless told to deny,
    and /token redeems a code once, only for the client it was issued to,
    with its redirect_uri and the verifier of its challenge."""

    def __init__(self):
        self.keys = {}          # kid -> (alg, private key)
        self.published = []     # kids in the JWKS
        self.jwks_requests = 0
        self.discovery_requests = 0
        self.says_issuer = None  # what discovery names as issuer (None: the truth)
        self.codes = {}         # code -> what /authorize was asked
        self.client_secret = None  # when set, /token wants HTTP Basic with it
        self.deny = None        # an error code /authorize answers with instead of a code
        self.user = {}          # claims of the user who signs in at /authorize
        self.nonce_override = None  # an ID token with another nonce than asked
        self.token_requests = []  # (form, Authorization header) per /token call
        issuer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def reply(self, status, body, headers=()):
                data = json.dumps(body).encode()
                self.send_response(status)
                for k, v in headers:
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self):
                if self.path != "/token":
                    self.send_error(404)
                    return
                n = int(self.headers.get("Content-Length", "0"))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(n).decode()))
                auth = self.headers.get("Authorization")
                issuer.token_requests.append((form, auth))
                status, body = issuer.redeem(form, auth)
                self.reply(status, body)

            def do_GET(self):
                if self.path.startswith("/authorize?"):
                    q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                    self.send_response(302)
                    self.send_header("Location", issuer.authorize(q))
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if self.path == "/.well-known/openid-configuration":
                    issuer.discovery_requests += 1
                    body = {"issuer": issuer.says_issuer or issuer.url,
                            "jwks_uri": issuer.url + "/jwks.json",
                            "authorization_endpoint": issuer.url + "/authorize",
                            "token_endpoint": issuer.url + "/token",
                            "code_challenge_methods_supported": ["S256"],
                            "id_token_signing_alg_values_supported": ["RS256", "ES256"]}
                elif self.path == "/jwks.json":
                    issuer.jwks_requests += 1
                    body = issuer.jwks()
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def add_key(self, kid, alg="RS256", publish=True):
        if alg == "RS256":
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        else:
            key = ec.generate_private_key(ec.SECP256R1())
        self.keys[kid] = (alg, key)
        if publish:
            self.published.append(kid)
        return key

    def jwk(self, kid):
        alg, key = self.keys[kid]
        pub = key.public_key().public_numbers()
        if alg == "RS256":
            return {"kty": "RSA", "kid": kid, "use": "sig", "alg": alg, "n": uint(pub.n),
                    "e": uint(pub.e)}
        return {"kty": "EC", "kid": kid, "use": "sig", "alg": alg, "crv": "P-256",
                "x": uint(pub.x, 32), "y": uint(pub.y, 32)}

    def jwks(self):
        return {"keys": [self.jwk(k) for k in self.published]}

    def claims(self, sub="alice-sub", **over):
        now = int(time.time())
        c = {"iss": self.url, "aud": AUD, "sub": sub, "iat": now, "nbf": now, "exp": now + 300,
             "preferred_username": "Alice.Smith", "groups": ["uni", "no-such-org"]}
        c.update(over)
        return {k: v for k, v in c.items() if v is not None}

    def token(self, kid="rsa1", claims=None, alg=None, sign_with=None, header=None):
        key_alg, key = self.keys.get(sign_with or kid, (None, None))
        alg = alg or key_alg
        h = dict({"alg": alg, "typ": "JWT", "kid": kid}, **(header or {}))
        signing = (b64u(json.dumps(h).encode()) + "." +
                   b64u(json.dumps(claims or self.claims()).encode())).encode()
        if alg == "RS256":
            sig = key.sign(signing, padding.PKCS1v15(), hashes.SHA256())
        elif alg == "ES256":
            r, s = decode_dss_signature(key.sign(signing, ec.ECDSA(hashes.SHA256())))
            sig = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        elif alg == "HS256":  # the classic confusion: the public key as an HMAC secret
            mac = hmac.HMAC(json.dumps(self.jwk(kid)).encode(), hashes.SHA256())
            mac.update(signing)
            sig = mac.finalize()
        else:
            sig = b""
        return signing.decode() + "." + b64u(sig)

    def authorize(self, q):
        """Where /authorize sends the browser back to: the redirect_uri
        with a code (or the error self.deny) and the state."""
        back = {"state": q.get("state", "")}
        if self.deny:
            back["error"] = self.deny
            back["error_description"] = "The user said no <script>"
        else:
            code = secrets.token_urlsafe(24)
            self.codes[code] = dict(q)
            back["code"] = code
        return q["redirect_uri"] + "?" + urllib.parse.urlencode(back)

    def redeem(self, form, auth):
        """/token: (status, body) as an OAuth 2.0 server answers."""
        if self.client_secret is not None:
            want = "Basic " + base64.b64encode(
                ("%s:%s" % (urllib.parse.quote(form.get("client_id", ""), safe=""),
                            urllib.parse.quote(self.client_secret, safe=""))).encode()).decode()
            if auth != want:
                return 401, {"error": "invalid_client"}
        asked = self.codes.pop(form.get("code", ""), None)  # a code works once
        if (form.get("grant_type") != "authorization_code" or not asked or
                asked["client_id"] != form.get("client_id") or
                asked["redirect_uri"] != form.get("redirect_uri")):
            return 400, {"error": "invalid_grant"}
        challenge = b64u(hashlib.sha256(form.get("code_verifier", "").encode()).digest())
        if asked.get("code_challenge_method") != "S256" or challenge != asked["code_challenge"]:
            return 400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
        claims = self.claims(**dict({"sub": "web-sub", "preferred_username": "web.user",
                                     "aud": asked["client_id"],
                                     "nonce": self.nonce_override or asked.get("nonce")},
                                    **self.user))
        return 200, {"access_token": "unused", "token_type": "Bearer", "expires_in": 300,
                     "id_token": self.token("rsa1", claims)}

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@unittest.skipUnless(HAVE_CRYPTO, "python3-cryptography is not installed and cannot be")
class OidcTest(ClusterTest):
    @classmethod
    def setUpClass(cls):
        cls.idp = Issuer()
        cls.idp.add_key("rsa1", "RS256")
        cls.idp.add_key("ec1", "ES256")
        cls.c = Cluster("oidc", hub_args=[
            "--oidc-issuer", cls.idp.url, "--oidc-audience", AUD,
            "--oidc-jwks", cls.idp.url + "/jwks.json", "--oidc-org-claim", "groups",
            "--oidc-create-users", "--oidc-jwks-refresh", "2"]).start_hub()
        r = cls.c.post("/api/v1/orgs", {"name": "uni"}, token=cls.c.admin_token())
        assert r.status == 201, r

    @classmethod
    def tearDownClass(cls):
        cls.c.stop()
        cls.idp.stop()

    def exchange(self, token):
        return self.c.post("/api/v1/tokens", {"id_token": token, "name": "oidc"})

    def refused(self, token, words):
        r = self.exchange(token)
        self.assertEqual(r.status, 401, r)
        self.assertIn(words, r.json["detail"])
        return r.json

    def test_valid_rs256_creates_maps_and_reuses(self):
        r = self.exchange(self.idp.token("rsa1", self.idp.claims(sub="s-rs")))
        self.assertEqual(r.status, 201, r)
        user = r.json["user"]
        self.assertTrue(user["name"].startswith("alice.smith"), user)
        me = self.c.get("/api/v1/users/me", token=r.json["token"]).json
        self.assertEqual([o["name"] for o in me["orgs"]], ["uni"])  # unknown group ignored
        # same (iss, sub) again: the same user, even with another name claim
        r2 = self.exchange(self.idp.token("rsa1", self.idp.claims(sub="s-rs",
                                                                 preferred_username="renamed")))
        self.assertEqual(r2.status, 201, r2)
        self.assertEqual(r2.json["user"]["id"], user["id"])
        # the user has no password that could be guessed
        self.assertEqual(self.c.post("/api/v1/tokens", {"username": user["name"],
                                                        "password": "!oidc"}).status, 401)

    def test_valid_es256_and_name_clash(self):
        a = self.exchange(self.idp.token("ec1", self.idp.claims(sub="s-ec1", preferred_username="bo")))
        b = self.exchange(self.idp.token("ec1", self.idp.claims(sub="s-ec2", preferred_username="bo")))
        self.assertEqual((a.status, b.status), (201, 201), (a, b))
        self.assertEqual(a.json["user"]["name"], "bo")
        self.assertNotEqual(b.json["user"]["id"], a.json["user"]["id"])
        self.assertTrue(b.json["user"]["name"].startswith("bo-"), b.json)

    def test_expired(self):
        now = int(time.time())
        self.refused(self.idp.token("rsa1", self.idp.claims(iat=now - 900, nbf=now - 900,
                                                            exp=now - 600)), "expired")
        # within the leeway (60 s) is still fine
        r = self.exchange(self.idp.token("rsa1", self.idp.claims(sub="s-leeway", exp=now - 10)))
        self.assertEqual(r.status, 201, r)

    def test_not_yet_valid_and_future_iat(self):
        now = int(time.time())
        self.refused(self.idp.token("rsa1", self.idp.claims(nbf=now + 600, exp=now + 900)), "nbf")
        self.refused(self.idp.token("rsa1", self.idp.claims(iat=now + 600, nbf=None)), "iat")
        self.refused(self.idp.token("rsa1", self.idp.claims(exp=None)), "exp")

    def test_wrong_audience_and_issuer(self):
        self.refused(self.idp.token("rsa1", self.idp.claims(aud="someone-else")), "aud")
        r = self.exchange(self.idp.token("rsa1", self.idp.claims(aud=["x", AUD], azp=AUD,
                                                                  sub="s-multi")))
        self.assertEqual(r.status, 201, r)
        # several audiences and no authorized party, or another party: refused
        self.refused(self.idp.token("rsa1", self.idp.claims(aud=["x", AUD], sub="s-multi")),
                     "azp")
        self.refused(self.idp.token("rsa1", self.idp.claims(aud=[AUD], azp="other-client")),
                     "azp")
        self.refused(self.idp.token("rsa1", self.idp.claims(iss="https://evil.example")),
                     "issued by")

    def test_wrong_signature(self):
        self.idp.add_key("rogue", "RS256", publish=False)
        # signed by a key the provider never published, under a published kid
        self.refused(self.idp.token("rsa1", sign_with="rogue"), "signature")
        t = self.idp.token("rsa1")
        head, body, sig = t.split(".")
        self.refused(head + "." + b64u(json.dumps(self.idp.claims(sub="admin")).encode()) + "." + sig,
                     "signature")

    def test_alg_none_and_hmac(self):
        self.refused(self.idp.token("rsa1", alg="none"), "only RS256 and ES256")
        self.refused(self.idp.token("rsa1", alg="HS256"), "only RS256 and ES256")
        # an RS256 header on an EC key
        self.refused(self.idp.token("ec1", alg="RS256", sign_with="rsa1"), "does not fit")

    def test_malformed(self):
        for bad in ("", "abc", "a.b.c", "x" * 20000):
            r = self.exchange(bad)
            self.assertIn(r.status, (401, 422), r)
        r = self.c.post("/api/v1/tokens", {"id_token": self.idp.token(), "username": "a",
                                           "password": "b"})
        self.assertEqual(r.status, 422, r)

    def test_unknown_kid_and_rotation(self):
        time.sleep(2.1)  # let the refresh interval pass
        before = self.idp.jwks_requests
        self.idp.add_key("ghost", "RS256", publish=False)
        for _ in range(5):
            self.refused(self.idp.token("ghost"), "key id")
        # five unknown kids within the interval: at most one fetch
        self.assertLessEqual(self.idp.jwks_requests - before, 1)
        # the provider rotates: a new published key works once the interval passed
        self.idp.add_key("rsa2", "RS256")
        time.sleep(2.1)
        r = self.exchange(self.idp.token("rsa2", self.idp.claims(sub="s-rotated")))
        self.assertEqual(r.status, 201, r)

    def test_cli_login_with_id_token(self):
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.c.dir,
               "XDG_CONFIG_HOME": os.path.join(self.c.dir, "xdg-oidc")}
        run = lambda *a, stdin=None: subprocess.run([BIN] + list(a), input=stdin, env=env,
                                                     capture_output=True, timeout=60)
        tok = self.idp.token("ec1", self.idp.claims(sub="s-cli", preferred_username="cli.user"))
        p = run("login", "--hub", self.c.url, "--id-token-stdin", stdin=(tok + "\n").encode())
        self.assertEqual(p.returncode, 0, p.stderr)
        p = run("whoami", "--json")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(json.loads(p.stdout)["name"], "cli.user")
        p = run("login", "--hub", self.c.url, "--id-token-stdin",
                stdin=(self.idp.token("rsa1", self.idp.claims(aud="nope")) + "\n").encode())
        self.assertEqual(p.returncode, 3, p)
        self.assertIn(b"aud", p.stderr)

    def test_disabled_user_cannot_sign_in(self):
        r = self.exchange(self.idp.token("rsa1", self.idp.claims(sub="s-dis", preferred_username="dis")))
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.c.post("/api/v1/users/%s/disable" % r.json["user"]["id"],
                                     token=self.c.admin_token()).status, 200)
        self.refused(self.idp.token("rsa1", self.idp.claims(sub="s-dis")), "disabled")


@unittest.skipUnless(HAVE_CRYPTO, "python3-cryptography is not installed and cannot be")
class OidcNoCreateTest(unittest.TestCase):
    """JWKS from a file; identities must be linked already."""

    def test_no_account_no_creation(self):
        idp = Issuer()
        idp.add_key("k", "ES256")
        c = Cluster("oidc-file")
        path = os.path.join(c.dir, "jwks.json")
        with open(path, "w") as f:
            json.dump(idp.jwks(), f)
        c.hub_args = ["--oidc-issuer", idp.url, "--oidc-audience", AUD, "--oidc-jwks", path]
        c.start_hub()
        try:
            r = c.post("/api/v1/tokens", {"id_token": idp.token("k")})
            self.assertEqual(r.status, 403, r)
            self.assertIn("no hpcnet account", r.json["detail"])
            self.assertEqual(c.sql("SELECT COUNT(*) FROM users")[0][0], 1)
            self.assertEqual(idp.jwks_requests, 0)
            # link the identity (as an operator would), then it signs in
            uid = c.sql("SELECT id FROM users WHERE name = 'admin'")[0][0]
            c.sql("INSERT INTO oidc_identities VALUES (?, ?, ?, 0)", (idp.url, "alice-sub", uid))
            r = c.post("/api/v1/tokens", {"id_token": idp.token("k")})
            self.assertEqual(r.status, 201, r)
            self.assertEqual(r.json["user"]["name"], "admin")
        finally:
            c.stop()
            idp.stop()

    def test_keys_by_discovery(self):
        """No --oidc-jwks: the hub reads the provider's discovery document
        for jwks_uri, and refuses one that names another issuer."""
        idp = Issuer()
        idp.add_key("d1", "RS256")
        idp.says_issuer = "https://evil.example"
        c = Cluster("oidc-disc", hub_args=["--oidc-issuer", idp.url, "--oidc-audience", AUD,
                                           "--oidc-create-users"]).start_hub()
        try:
            r = c.post("/api/v1/tokens", {"id_token": idp.token("d1", idp.claims(sub="disc"))})
            self.assertEqual(r.status, 503, r)
            self.assertEqual((idp.discovery_requests, idp.jwks_requests), (1, 0))
            self.assertIn("names issuer 'https://evil.example'", c.log_tail("hub.log", 50))
            idp.says_issuer = None
            time.sleep(1.1)  # a failed fetch is not retried within a second
            r = c.post("/api/v1/tokens", {"id_token": idp.token("d1", idp.claims(sub="disc"))})
            self.assertEqual(r.status, 201, r)
            self.assertEqual((idp.discovery_requests, idp.jwks_requests), (2, 1))
        finally:
            c.stop()
            idp.stop()

    def test_without_provider(self):
        c = Cluster("oidc-none").start_hub()
        try:
            r = c.post("/api/v1/tokens", {"id_token": "a.b.c"})
            self.assertEqual(r.status, 422, r)
        finally:
            c.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
