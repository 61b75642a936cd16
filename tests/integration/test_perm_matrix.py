# SPDX-License-Identifier: Apache-2.0
"""The permission matrix: every route of the hub x every kind of caller,
asserted by real HTTP calls against a real hub.

Callers (for one object: a job of OWNER's, in project orga/p1 of org
"orga", running at center "ca"; or the org, project, center, account, token
... of the same world):

  anon      no credentials
  owner     a plain user, member of orga, who owns the objects
  other     a plain user, member of orgb
  oadm      org_admin of orga (the object's org)
  oadm_x    org_admin of orgb (another org)
  op        center_operator of ca (the object's center)
  op_x      center_operator of cb (another center)
  merchant  a merchant (no org)
  padm      platform_admin
  agent     the agent of ca
  agent_x   the agent of cb

Each row of ROUTES names a route (method + pattern, exactly as in
std/openapi.json), who may call it (ALLOW), who may see its object
(SEE: denied callers outside it get 404, inside it 403), and how to build
the call (path parameters, body; a factory for calls that consume their
object). Allowed callers must not get 401/403/404; denied ones must get
exactly the expected status. test_every_route_has_a_row fails for any
route without a row: adding an endpoint means adding its row here (see
docs/ARCHITECTURE.md, "Adding an endpoint").
"""
import itertools
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Cluster, ClusterTest, wait_for  # noqa: E402

SPEC = os.path.join(os.path.dirname(__file__), "..", "..", "std", "openapi.json")

ANON, OWNER, OTHER, OADM, OADM_X, OP, OP_X, MERCH, PADM, AGENT, AGENT_X = (
    "anon", "owner", "other", "oadm", "oadm_x", "op", "op_x", "merchant", "padm", "agent",
    "agent_x")
CALLERS = (ANON, OWNER, OTHER, OADM, OADM_X, OP, OP_X, MERCH, PADM, AGENT, AGENT_X)
USERS = {OWNER, OTHER, OADM, OADM_X, OP, OP_X, MERCH, PADM}
AGENTS = {AGENT, AGENT_X}
EVERYONE = set(CALLERS)
DENIED = (401, 403, 404)
_n = itertools.count(1)


def fresh(prefix):
    return "%s%d" % (prefix, next(_n))


class Row:
    """kind: "user" (needs a user token), "agent" (an agent credential) or
    "public". allow/see: caller sets. call(w) -> (path params dict, body)."""

    def __init__(self, method, pattern, allow, see=None, kind="user", call=None, ok=None,
                 query=""):
        self.method, self.pattern, self.allow, self.query = method, pattern, set(allow), query
        self.see = set(see) if see is not None else None
        self.kind, self.call, self.ok = kind, call or (lambda w, who: ({}, None)), ok

    def expected(self, who):
        if who in self.allow:
            return "ok"
        if self.kind == "public":
            return "ok"
        if who == ANON:
            return 401
        if self.kind == "user" and who in AGENTS:
            return 403
        if self.kind == "agent" and who in USERS:
            return 403
        if self.see is not None and who not in self.see:
            return 404
        return 403


def p(**kw):
    return lambda w, who: (kw, None)


def body(b, **params):
    return lambda w, who: (params, b(w, who) if callable(b) else b)


# who sees the world job / org / project (for 404 vs 403)
JOB_SEE = {OWNER, OADM, OP, PADM}
ORG_SEE = {OWNER, OADM, PADM}

ROUTES = [
    # public
    Row("GET", "/api/v1/health", EVERYONE, kind="public"),
    Row("GET", "/api/v1/openapi.json", EVERYONE, kind="public"),
    Row("GET", "/api/v1/settings", EVERYONE, kind="public"),
    Row("POST", "/api/v1/tokens", EVERYONE, kind="public",
        call=body(lambda w, who: {"username": "owner", "password": w.pw["owner"]})),
    Row("POST", "/api/v1/signup", EVERYONE, kind="public",
        call=body(lambda w, who: {"name": fresh("su"), "password": "signup-pass"})),
    Row("POST", "/api/v1/sessions", EVERYONE, kind="public",
        call=body(lambda w, who: {"username": "owner", "password": w.pw["owner"]})),
    # the browser sign-in through an OpenID provider (none here: 404, and
    # the callback ends on the portal's sign-in page saying so)
    Row("GET", "/api/v1/oidc/login", EVERYONE, kind="public", ok=(404,)),
    Row("GET", "/api/v1/oidc/callback", EVERYONE, kind="public"),
    Row("POST", "/api/v1/centers/join", EVERYONE, kind="public",
        call=lambda w, who: ({}, {"join_token": w.new_center_join_token(), "adapter": "none"})),
    # own account
    Row("GET", "/api/v1/sessions/current", USERS, ok=(404,)),  # a bearer token has no session
    Row("DELETE", "/api/v1/sessions/current", USERS, ok=(404,)),
    Row("GET", "/api/v1/tokens", USERS),
    Row("DELETE", "/api/v1/tokens/{id}", {OWNER}, see={OWNER},
        call=lambda w, who: ({"id": w.new_owner_token()}, None)),
    Row("GET", "/api/v1/users/me", USERS),
    Row("POST", "/api/v1/users/me/password", USERS,
        call=body(lambda w, who: {"old_password": w.pw.get(who, "x-password"),
                                  "new_password": w.pw.get(who, "x-password")})),
    # user administration
    Row("GET", "/api/v1/users", {PADM}),
    Row("POST", "/api/v1/users", {PADM},
        call=body(lambda w, who: {"name": fresh("nu"), "password": "new-user-pass"})),
    Row("POST", "/api/v1/users/{id}/disable", {PADM},
        call=lambda w, who: ({"id": w.new_user()}, None)),
    Row("POST", "/api/v1/users/{id}/enable", {PADM},
        call=lambda w, who: ({"id": w.new_user()}, None)),
    Row("GET", "/api/v1/roles", {PADM}),
    Row("POST", "/api/v1/roles", {PADM},
        call=body(lambda w, who: {"user": w.new_user(), "role": "merchant"})),
    Row("POST", "/api/v1/roles/revoke", {PADM},
        call=body(lambda w, who: {"user": w.new_user(role="merchant"), "role": "merchant"})),
    # orgs and projects
    Row("GET", "/api/v1/orgs", USERS),
    # this hub runs --signup open: anyone signed in may make an org (test_accounts: closed)
    Row("POST", "/api/v1/orgs", USERS, call=body(lambda w, who: {"name": fresh("org")})),
    Row("GET", "/api/v1/orgs/{id}", ORG_SEE, see=ORG_SEE, call=p(id="orga")),
    Row("GET", "/api/v1/orgs/{id}/members", ORG_SEE, see=ORG_SEE, call=p(id="orga")),
    Row("POST", "/api/v1/orgs/{id}/members", {OADM, PADM}, see=ORG_SEE,
        call=body(lambda w, who: {"user": w.new_user()}, id="orga")),
    Row("DELETE", "/api/v1/orgs/{id}/members/{user}", {OADM, PADM}, see=ORG_SEE,
        call=lambda w, who: ({"id": "orga", "user": w.new_user(org="orga")}, None)),
    Row("POST", "/api/v1/orgs/{id}/invites", {OADM, PADM}, see=ORG_SEE,
        call=body({}, id="orga")),
    Row("GET", "/api/v1/orgs/{id}/invites", {OADM, PADM}, see=ORG_SEE, call=p(id="orga")),
    Row("DELETE", "/api/v1/orgs/{id}/invites/{invite}", {OADM, PADM}, see=ORG_SEE,
        call=lambda w, who: ({"id": "orga", "invite": w.new_invite()}, None)),
    Row("GET", "/api/v1/projects", USERS),
    Row("POST", "/api/v1/projects", {OADM, PADM}, see=ORG_SEE,
        call=body(lambda w, who: {"org": "orga", "name": fresh("prj")})),
    Row("GET", "/api/v1/projects/{id}", ORG_SEE, see=ORG_SEE,
        call=lambda w, who: ({"id": w.project}, None)),
    Row("GET", "/api/v1/projects/{id}/members", ORG_SEE, see=ORG_SEE,
        call=lambda w, who: ({"id": w.project}, None)),
    Row("POST", "/api/v1/projects/{id}/members", {OADM, PADM}, see=ORG_SEE,
        call=lambda w, who: ({"id": w.project}, {"user": "owner"})),
    Row("DELETE", "/api/v1/projects/{id}/members/{user}", {OADM, PADM}, see=ORG_SEE,
        call=lambda w, who: ({"id": w.project, "user": w.new_user(org="orga", project=True)},
                             None)),
    # centers
    Row("GET", "/api/v1/centers", USERS),
    Row("POST", "/api/v1/centers", {PADM}, call=body(lambda w, who: {"name": fresh("c")})),
    Row("GET", "/api/v1/centers/{id}", USERS, call=p(id="ca")),
    Row("POST", "/api/v1/centers/{id}/join-token", {OP, PADM}, call=p(id="ca")),
    Row("POST", "/api/v1/centers/{id}/drain", {OP, PADM},
        call=lambda w, who: ({"id": "ca"}, None)),
    Row("POST", "/api/v1/centers/{id}/undrain", {OP, PADM}, call=p(id="ca")),
    Row("POST", "/api/v1/centers/{id}/heartbeat", {AGENT}, kind="agent",
        call=lambda w, who: ({"id": w.center_a}, w.beat)),
    Row("GET", "/api/v1/centers/{id}/orders", {AGENT}, kind="agent",
        call=lambda w, who: ({"id": w.center_a}, None)),
    Row("POST", "/api/v1/centers/{id}/reports", {AGENT}, kind="agent",
        call=lambda w, who: ({"id": w.center_a}, {"items": []})),
    # money
    Row("GET", "/api/v1/centers/{id}/prices", USERS, call=p(id="ca")),
    Row("POST", "/api/v1/centers/{id}/prices", {OP, PADM},
        call=body({"items": [{"resource": "core_hour", "price": 100}]}, id="ca")),
    Row("GET", "/api/v1/prices", USERS),
    Row("POST", "/api/v1/prices/{id}/approve", {PADM},
        call=lambda w, who: ({"id": w.new_price_list()}, None)),
    Row("POST", "/api/v1/prices/{id}/reject", {PADM},
        call=lambda w, who: ({"id": w.new_price_list()}, None)),
    Row("GET", "/api/v1/accounts/me", USERS),
    Row("GET", "/api/v1/accounts", {PADM}),
    Row("GET", "/api/v1/accounts/{id}", {OWNER, PADM}, see={OWNER, PADM},
        call=p(id="user:owner")),
    Row("GET", "/api/v1/accounts/{id}/entries", {OWNER, PADM}, see={OWNER, PADM},
        call=p(id="user:owner")),
    Row("POST", "/api/v1/accounts/{id}/topup", {PADM},
        call=body({"amount": 100}, id="user:owner")),
    Row("POST", "/api/v1/accounts/{id}/credit-limit", {PADM},
        call=body({"credit_limit": 0}, id="user:owner")),
    Row("GET", "/api/v1/ledger/audit", {PADM}),
    Row("POST", "/api/v1/ledger/transfers", {PADM},
        call=body({"from": "platform", "to": "user:owner", "amount": 1, "memo": "matrix"})),
    Row("GET", "/api/v1/usage", USERS),
    Row("GET", "/api/v1/invoices", USERS),
    Row("GET", "/api/v1/invoices/{id}", USERS, call=p(id="2026-01")),
    Row("GET", "/api/v1/settlements/{id}", {PADM}, call=p(id="2026-01")),
    Row("POST", "/api/v1/settlements/{id}/payouts", {PADM}, call=p(id="2026-01")),
    Row("GET", "/api/v1/quotas", USERS),
    Row("POST", "/api/v1/quotas", {OADM, PADM},
        call=body({"scope": "org:orga", "resource": "concurrent_jobs", "limit": 1000,
                   "period": "lifetime"})),
    Row("DELETE", "/api/v1/quotas/{id}", {OADM, PADM},
        call=lambda w, who: ({"id": w.new_quota()}, None)),
    # jobs
    Row("POST", "/api/v1/jobs", USERS, call=body({"command": "true", "center": "cb"})),
    Row("POST", "/api/v1/jobs/explain", USERS, call=body({"command": "true"})),
    Row("GET", "/api/v1/jobs", USERS),
    Row("GET", "/api/v1/jobs/{id}", JOB_SEE, see=JOB_SEE, call=lambda w, who: ({"id": w.job}, None)),
    Row("GET", "/api/v1/jobs/{id}/usage", JOB_SEE, see=JOB_SEE,
        call=lambda w, who: ({"id": w.job}, None)),
    Row("GET", "/api/v1/jobs/{id}/stdout", JOB_SEE, see=JOB_SEE,
        call=lambda w, who: ({"id": w.job}, None)),
    Row("GET", "/api/v1/jobs/{id}/stderr", JOB_SEE, see=JOB_SEE,
        call=lambda w, who: ({"id": w.job}, None)),
    Row("POST", "/api/v1/jobs/{id}/stdout", {AGENT}, kind="agent", query="?offset=0",
        call=lambda w, who: ({"id": w.job}, None)),
    Row("POST", "/api/v1/jobs/{id}/stderr", {AGENT}, kind="agent", query="?offset=0",
        call=lambda w, who: ({"id": w.job}, None)),
] + [
    Row("POST", "/api/v1/jobs/{id}/" + action, JOB_SEE, see=JOB_SEE,
        call=lambda w, who: ({"id": w.new_job()}, None))
    for action in ("cancel", "hold", "release", "suspend", "resume", "requeue")
] + [
    # audit
    Row("GET", "/api/v1/audit", {PADM}),
    Row("POST", "/api/v1/audit/verify", {PADM}),
]

# Exceptions to Row.expected(), each with its reason.
OVERRIDES = {
    # an agent of another center: the job is not at its center
    ("POST", "/api/v1/jobs/{id}/stdout", AGENT_X): 404,
    ("POST", "/api/v1/jobs/{id}/stderr", AGENT_X): 404,
}


class World:
    """The objects every row points at, and factories for consumed ones."""

    def __init__(self, c):
        self.c = c
        self.admin = c.admin_token()
        self.pw = {}
        self.tok = {PADM: self.admin, ANON: None}
        self.beat = {"resources": {"total_cores": 100000, "free_cores": 100000,
                                   "total_memory_bytes": 64 << 30,
                                   "free_memory_bytes": 64 << 30},
                     "caps": ["cancel", "hold", "suspend", "requeue"]}
        for name in ("owner", "other", "oadm", "oadm_x", "op", "op_x", "merchant"):
            self.pw[name] = name + "-password"
            self.tok[name] = c.create_user(name, self.pw[name])
        self.pw[PADM] = None  # the admin's password is the harness's; never changed here
        self.ok(c.post("/api/v1/orgs", {"name": "orga", "admin": "oadm"}, token=self.admin))
        self.ok(c.post("/api/v1/orgs", {"name": "orgb", "admin": "oadm_x"}, token=self.admin))
        self.ok(c.post("/api/v1/orgs/orga/members", {"user": "owner"}, token=self.admin))
        self.ok(c.post("/api/v1/orgs/orgb/members", {"user": "other"}, token=self.admin))
        self.project = self.ok(c.post("/api/v1/projects", {"org": "orga", "name": "p1"},
                                      token=self.admin))["id"]
        self.tok[AGENT], self.center_a = self.join("ca")
        self.tok[AGENT_X], self.center_b = self.join("cb")
        for user, center in (("op", "ca"), ("op_x", "cb")):
            self.ok(c.post("/api/v1/roles", {"user": user, "role": "center_operator",
                                             "center": center}, token=self.admin))
        self.ok(c.post("/api/v1/roles", {"user": "merchant", "role": "merchant"},
                       token=self.admin))
        # the rows approve price lists for ca: the org pays its project's jobs
        self.ok(c.post("/api/v1/accounts/org:orga/topup", {"amount": 10 ** 9}, token=self.admin))
        self.job = self.new_job(running=True)

    def ok(self, r):
        assert r.status in (200, 201), r
        return r.json

    def join(self, name):
        r = self.ok(self.c.post("/api/v1/centers", {"name": name}, token=self.admin))
        j = self.ok(self.c.post("/api/v1/centers/join", {"join_token": r["join_token"],
                                                         "adapter": "none"}))
        self.ok(self.c.post("/api/v1/centers/%s/heartbeat" % j["center_id"], self.beat,
                            token=j["agent_token"]))
        return j["agent_token"], j["center_id"]

    def new_center_join_token(self):
        return self.ok(self.c.post("/api/v1/centers", {"name": fresh("jc")},
                                   token=self.admin))["join_token"]

    def new_owner_token(self):
        return self.ok(self.c.post("/api/v1/tokens", {"username": "owner",
                                                      "password": self.pw["owner"]}))["id"]

    def new_invite(self):
        return self.ok(self.c.post("/api/v1/orgs/orga/invites", {}, token=self.admin))["id"]

    def new_user(self, role=None, org=None, project=False):
        name = fresh("u")
        self.ok(self.c.post("/api/v1/users", {"name": name, "password": "user-password"},
                            token=self.admin))
        if role:
            self.ok(self.c.post("/api/v1/roles", {"user": name, "role": role}, token=self.admin))
        if org:
            self.ok(self.c.post("/api/v1/orgs/%s/members" % org, {"user": name}, token=self.admin))
        if project:
            self.ok(self.c.post("/api/v1/projects/%s/members" % self.project, {"user": name},
                                token=self.admin))
        return name

    def new_price_list(self):
        return self.ok(self.c.post("/api/v1/centers/ca/prices",
                                   {"items": [{"resource": "core_hour", "price": 100}]},
                                   token=self.admin))["id"]

    def new_quota(self):
        self.ok(self.c.post("/api/v1/quotas", {"scope": "org:orga", "resource": "core_hours",
                                               "limit": 1000000, "period": "lifetime"},
                            token=self.admin))
        items = self.ok(self.c.get("/api/v1/quotas?all=1", token=self.admin))["items"]
        return [q["id"] for q in items if q.get("scope_name") == "orga" or
                q.get("scope") in ("org:orga", "org")][-1]

    def new_job(self, running=False):
        """A job of owner's in orga/p1, dispatched to ca (running if asked)."""
        # this test plays ca's agent: keep it online
        self.ok(self.c.post("/api/v1/centers/%s/heartbeat" % self.center_a, self.beat,
                            token=self.tok[AGENT]))
        j = self.ok(self.c.post("/api/v1/jobs", {"command": "true", "center": "ca",
                                                 "project": self.project},
                                token=self.tok[OWNER]))["id"]
        wait_for(lambda: self.c.job(self.admin, j)["center_id"], what="job placed")
        if running:
            self.ok(self.c.post("/api/v1/centers/%s/reports" % self.center_a,
                                {"items": [{"job_id": j, "state": "running"}]},
                                token=self.tok[AGENT]))
        return j


class PermMatrixTest(ClusterTest):
    @classmethod
    def setUpClass(cls):
        cls.c = Cluster("perm-matrix", hub_args=["--signup", "open"]).start_hub()
        cls.w = World(cls.c)

    @classmethod
    def tearDownClass(cls):
        cls.c.stop()

    def test_every_route_has_a_row(self):
        with open(SPEC) as f:
            spec = json.load(f)
        documented = {(m.upper(), path) for path, item in spec["paths"].items()
                      for m in item if m in ("get", "post", "put", "delete", "patch")}
        rows = {(r.method, r.pattern) for r in ROUTES}
        self.assertEqual(len(rows), len(ROUTES), "a route has two rows")
        missing = sorted(documented - rows)
        self.assertFalse(missing, "routes without a row in test_perm_matrix.py ROUTES "
                                  "(add one saying who may call them): %s" % missing)
        self.assertFalse(sorted(rows - documented), "rows for routes that do not exist")

    def test_matrix(self):
        failures = []
        for row in ROUTES:
            for who in CALLERS:
                params, b = row.call(self.w, who)
                path = row.pattern
                for k, v in params.items():
                    path = path.replace("{%s}" % k, v)
                raw = b"x" if row.query else None  # output chunks are raw bytes
                r = self.c.request(row.method, path + row.query, body=b, raw=raw,
                                   token=self.w.tok.get(who), ctype="application/octet-stream"
                                   if raw else "application/json")
                want = OVERRIDES.get((row.method, row.pattern, who), row.expected(who))
                if want == "ok":
                    good = r.status not in DENIED or (row.ok and r.status in row.ok)
                else:
                    good = r.status == want
                if not good:
                    failures.append("%s %s as %s: want %s, got %d %s" % (
                        row.method, row.pattern, who, want, r.status, r.body[:160]))
                elif want in (401, 403, 404):
                    self.assertTrue(r.headers.get("content-type", "").startswith(
                        "application/problem+json"), (row.pattern, who, r))
        self.assertFalse(failures, "\n" + "\n".join(failures))

    def test_forbidden_names_the_role(self):
        r = self.c.post("/api/v1/orgs/orga/members", {"user": "other"}, token=self.w.tok[OWNER])
        self.assertEqual(r.status, 403, r)
        self.assertIn("org_admin", r.json["detail"])
        r = self.c.get("/api/v1/audit", token=self.w.tok[OADM])
        self.assertIn("platform_admin", r.json["detail"])
        r = self.c.post("/api/v1/centers/cb/drain", token=self.w.tok[OP])
        self.assertIn("center_operator of the center", r.json["detail"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
