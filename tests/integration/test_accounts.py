# SPDX-License-Identifier: Apache-2.0
"""Organizations, projects, roles and who sees which jobs, through a real
hub: org admins manage members and projects and see their org's jobs,
center operators see and drain their own center only, a caller who may
not see an object gets 404 and one who may see but not act gets 403
naming the missing role."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Cluster, ClusterTest, wait_for  # noqa: E402


class AccountsTest(ClusterTest):
    @classmethod
    def setUpClass(cls):
        c = cls.c = Cluster("accounts").start_hub()
        cls.admin = c.admin_token()
        for name in ("ann", "bea", "cid", "dan", "opa", "opb"):
            setattr(cls, name, c.create_user(name))
        cls.alpha_agent, cls.alpha = c.join_center("alpha")
        cls.beta_agent, cls.beta = c.join_center("beta")
        # uni: ann admin, bea member; lab: cid admin; dan in no org
        r = c.post("/api/v1/orgs", {"name": "uni", "kind": "university", "admin": "ann"},
                   token=cls.admin)
        assert r.status == 201, r
        cls.uni = r.json["id"]
        r = c.post("/api/v1/orgs", {"name": "lab", "admin": "cid"}, token=cls.admin)
        assert r.status == 201, r
        cls.lab = r.json["id"]
        assert c.post("/api/v1/orgs/uni/members", {"user": "bea"}, token=cls.ann).status == 200
        r = c.post("/api/v1/projects", {"org": "uni", "name": "physics"}, token=cls.ann)
        assert r.status == 201, r
        cls.physics = r.json["id"]
        r = c.post("/api/v1/projects", {"org": "lab", "name": "chem"}, token=cls.cid)
        assert r.status == 201, r
        cls.chem = r.json["id"]
        for user, center in (("opa", "alpha"), ("opb", "beta")):
            r = c.post("/api/v1/roles", {"user": user, "role": "center_operator", "center": center},
                       token=cls.admin)
            assert r.status == 201, r

    @classmethod
    def tearDownClass(cls):
        cls.c.stop()

    def status(self, r, want):
        self.assertEqual(r.status, want, r)
        return r.json

    def ids(self, token, **q):
        return {j["id"] for j in self.c.all_jobs(token, **q)}

    # -- orgs and members --------------------------------------------------
    def test_me_lists_roles_and_orgs(self):
        me = self.status(self.c.get("/api/v1/users/me", token=self.ann), 200)
        self.assertIn({"role": "org_admin", "scope_id": self.uni, "scope_name": "uni"}, me["roles"])
        self.assertEqual([o["name"] for o in me["orgs"]], ["uni"])
        me = self.status(self.c.get("/api/v1/users/me", token=self.opa), 200)
        self.assertEqual([(x["role"], x["scope_name"]) for x in me["roles"]],
                         [("center_operator", "alpha")])

    def test_org_visibility(self):
        names = lambda t: [o["name"] for o in self.c.get("/api/v1/orgs", token=t).json["items"]]
        self.assertEqual(names(self.bea), ["uni"])
        self.assertEqual(names(self.dan), [])
        self.assertEqual(names(self.admin), ["lab", "uni"])
        self.status(self.c.get("/api/v1/orgs/uni", token=self.bea), 200)
        self.status(self.c.get("/api/v1/orgs/uni/members", token=self.bea), 200)
        # not a member: the org is not there at all
        self.status(self.c.get("/api/v1/orgs/uni", token=self.dan), 404)
        self.status(self.c.get("/api/v1/orgs/lab/members", token=self.ann), 404)

    def test_member_management_needs_org_admin(self):
        # a member sees the org, so the refusal is a 403 naming the role
        p = self.status(self.c.post("/api/v1/orgs/uni/members", {"user": "dan"}, token=self.bea), 403)
        self.assertIn("org_admin", p["detail"])
        # the admin of another org may not even see it
        self.status(self.c.post("/api/v1/orgs/uni/members", {"user": "dan"}, token=self.cid), 404)
        self.status(self.c.post("/api/v1/orgs/uni/members", {"user": "nobody"}, token=self.ann), 422)
        self.status(self.c.post("/api/v1/orgs/uni/members", {"user": "dan", "role": "owner"},
                                token=self.ann), 422)
        items = self.status(self.c.post("/api/v1/orgs/uni/members", {"user": "dan"}, token=self.ann),
                            200)["items"]
        self.assertIn(("dan", "member"), [(m["user_name"], m["role"]) for m in items])
        before = self.c.sql("SELECT MAX(seq) FROM audit_log")[0][0]
        self.status(self.c.request("DELETE", "/api/v1/orgs/uni/members/dan", token=self.ann), 204)
        self.status(self.c.request("DELETE", "/api/v1/orgs/uni/members/dan", token=self.ann), 404)
        self.status(self.c.get("/api/v1/orgs/uni", token=self.dan), 404)
        # one row per call, with the answer it got: the removal's went in
        # with it, the second call changed nothing
        rows = self.c.sql("SELECT method, status FROM audit_log WHERE seq > ? AND route ="
                          " '/api/v1/orgs/{id}/members/{user}' ORDER BY seq", (before,))
        self.assertEqual(rows, [("DELETE", 204), ("DELETE", 404)])

    def test_last_admin_stays(self):
        self.status(self.c.request("DELETE", "/api/v1/orgs/lab/members/cid", token=self.cid), 409)
        self.status(self.c.post("/api/v1/orgs/lab/members", {"user": "cid", "role": "member"},
                                token=self.admin), 409)

    def test_org_create_is_platform_admin_only(self):
        p = self.status(self.c.post("/api/v1/orgs", {"name": "mine"}, token=self.ann), 403)
        self.assertIn("platform_admin", p["detail"])
        self.status(self.c.post("/api/v1/orgs", {"name": "uni"}, token=self.admin), 409)
        self.status(self.c.post("/api/v1/orgs", {"name": "Bad Name"}, token=self.admin), 422)
        self.status(self.c.post("/api/v1/orgs", {"name": "x", "kind": "club"}, token=self.admin), 422)

    # -- projects ----------------------------------------------------------
    def test_projects(self):
        names = lambda t: [p["name"] for p in self.c.get("/api/v1/projects", token=t).json["items"]]
        self.assertEqual(names(self.bea), ["physics"])
        self.assertEqual(names(self.dan), [])
        self.status(self.c.get("/api/v1/projects/" + self.physics, token=self.bea), 200)
        self.status(self.c.get("/api/v1/projects/" + self.physics, token=self.cid), 404)
        p = self.status(self.c.post("/api/v1/projects", {"org": "uni", "name": "bio"}, token=self.bea),
                        403)
        self.assertIn("org_admin", p["detail"])
        self.status(self.c.post("/api/v1/projects", {"org": "uni", "name": "bio"}, token=self.cid), 404)
        self.status(self.c.post("/api/v1/projects", {"org": "uni", "name": "physics"},
                                token=self.ann), 409)
        # project members must be org members
        self.status(self.c.post("/api/v1/projects/%s/members" % self.physics, {"user": "dan"},
                                token=self.ann), 422)
        items = self.status(self.c.post("/api/v1/projects/%s/members" % self.physics,
                                        {"user": "bea"}, token=self.ann), 200)["items"]
        self.assertEqual([m["user_name"] for m in items], ["bea"])
        self.status(self.c.post("/api/v1/projects/%s/members" % self.physics, {"user": "ann"},
                                token=self.bea), 403)

    # -- jobs --------------------------------------------------------------
    def test_submit_to_project_needs_org_membership(self):
        j = self.c.submit(self.bea, project="uni/physics", center="alpha")
        self.assertEqual((j["project"], j["project_id"], j["org_id"]), ("physics", self.physics,
                                                                        self.uni))
        j = self.c.submit(self.bea, project=self.physics)
        self.assertEqual(j["org_id"], self.uni)
        # another org's project and an unknown one answer alike
        a = self.status(self.c.post("/api/v1/jobs", {"command": "true", "project": self.chem},
                                    token=self.bea), 422)
        b = self.status(self.c.post("/api/v1/jobs", {"command": "true", "project": "prj_nope"},
                                    token=self.bea), 422)
        self.assertEqual(a["errors"][0]["field"], "project")
        self.assertEqual(b["errors"][0]["field"], "project")

    def test_who_sees_which_job(self):
        org_job = self.c.submit(self.bea, project="uni/physics", center="alpha")["id"]
        personal = self.c.submit(self.bea, center="beta")["id"]
        lab_job = self.c.submit(self.cid, project="lab/chem", center="beta")["id"]
        for jid in (org_job, personal, lab_job):  # placed on their pinned centers
            wait_for(lambda: self.c.job(self.admin, jid)["center_id"], what="%s placed" % jid)
        get = lambda t, j: self.c.get("/api/v1/jobs/" + j, token=t).status
        # the org admin: the org's job, not the member's personal one, not the lab's
        self.assertEqual(get(self.ann, org_job), 200)
        self.assertEqual(get(self.ann, personal), 404)
        self.assertEqual(get(self.ann, lab_job), 404)
        seen = self.ids(self.ann)
        self.assertIn(org_job, seen)
        self.assertFalse({personal, lab_job} & seen)
        # a plain member sees only their own
        self.assertEqual(get(self.dan, org_job), 404)
        # the center operator: jobs placed at their center only
        jobs_at = lambda cid: {j for j in (org_job, personal, lab_job)
                               if self.c.job(self.admin, j)["center_id"] == cid}
        self.assertEqual(jobs_at(self.alpha), {org_job})
        self.assertEqual(get(self.opa, org_job), 200)
        self.assertEqual(get(self.opa, personal), 404)
        self.assertEqual(get(self.opb, org_job), 404)
        self.assertEqual(get(self.opb, lab_job), 200)
        self.assertEqual(self.ids(self.opb) & {org_job, personal, lab_job}, {personal, lab_job})
        # listing another user's jobs: a filter inside what one may see
        self.assertEqual(self.ids(self.ann, user="bea") & {org_job, personal}, {org_job})
        self.status(self.c.get("/api/v1/jobs?user=bea", token=self.dan), 403)
        # the org admin may cancel the org's job; an operator of another center may not see it
        self.status(self.c.post("/api/v1/jobs/%s/cancel" % org_job, token=self.opb), 404)
        self.status(self.c.post("/api/v1/jobs/%s/cancel" % org_job, token=self.ann), 200)

    def test_center_operator_manages_own_center(self):
        self.status(self.c.post("/api/v1/centers/alpha/drain", token=self.opb), 403)
        self.status(self.c.post("/api/v1/centers/alpha/drain", token=self.bea), 403)
        self.status(self.c.post("/api/v1/centers/beta/drain", token=self.opb), 200)
        self.status(self.c.post("/api/v1/centers/beta/undrain", token=self.opb), 200)
        self.status(self.c.post("/api/v1/centers/beta/join-token", token=self.opa), 403)

    def test_roles_admin_only_and_validated(self):
        p = self.status(self.c.post("/api/v1/roles", {"user": "dan", "role": "merchant"},
                                    token=self.ann), 403)
        self.assertIn("platform_admin", p["detail"])
        self.status(self.c.post("/api/v1/roles", {"user": "dan", "role": "center_operator"},
                                token=self.admin), 422)
        self.status(self.c.post("/api/v1/roles", {"user": "dan", "role": "god"}, token=self.admin), 422)
        self.status(self.c.post("/api/v1/roles", {"user": "dan", "role": "center_operator",
                                                  "center": "nowhere"}, token=self.admin), 422)
        self.status(self.c.post("/api/v1/roles", {"user": "dan", "role": "merchant"},
                                token=self.admin), 201)
        me = self.c.get("/api/v1/users/me", token=self.dan).json
        self.assertIn("merchant", [x["role"] for x in me["roles"]])
        self.status(self.c.post("/api/v1/roles/revoke", {"user": "dan", "role": "merchant"},
                                token=self.admin), 204)
        self.status(self.c.post("/api/v1/roles/revoke", {"user": "dan", "role": "merchant"},
                                token=self.admin), 404)


if __name__ == "__main__":
    unittest.main(verbosity=2)
