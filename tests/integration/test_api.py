# SPDX-License-Identifier: Apache-2.0
"""The REST API's contract without agents: auth, every kind of bad input,
idempotent submit, ownership (no leaks), and the OpenAPI document."""
import json
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import ADMIN_PASSWORD, Cluster, ClusterTest  # noqa: E402


class ApiTest(ClusterTest):
    @classmethod
    def setUpClass(cls):
        cls.c = Cluster("api", max_body=1 << 20).start_hub()
        cls.alice = cls.c.create_user("alice")
        cls.bob = cls.c.create_user("bob")
        # Centers that have joined and reported capacity (no agent process:
        # this test plays the agent's part of the protocol itself).
        cls.agent_token, cls.center_id = cls.join("alpha", 8)
        cls.other_token, cls.other_id = cls.join("other", 4)

    @classmethod
    def join(cls, name, cores):
        cls.c.add_center(name)
        r = cls.c.post("/api/v1/centers/join", {"join_token": cls.c.join_tokens[name],
                                               "adapter": "none"})
        assert r.status == 200, r
        tok, cid = r.json["agent_token"], r.json["center_id"]
        r = cls.c.post("/api/v1/centers/%s/heartbeat" % cid,
                       {"resources": {"total_cores": cores, "free_cores": cores,
                                      "total_memory_bytes": 16 << 30,
                                      "free_memory_bytes": 16 << 30}}, token=tok)
        assert r.status == 200, r
        return tok, cid

    @classmethod
    def tearDownClass(cls):
        cls.c.stop()

    def problem(self, r, status):
        self.assertEqual(r.status, status, r)
        self.assertTrue(r.headers["content-type"].startswith("application/problem+json"), r.headers)
        p = r.json
        self.assertEqual(p["status"], status)
        self.assertTrue(p["detail"])
        return p

    def njobs(self):
        return self.c.sql("SELECT COUNT(*) FROM jobs")[0][0]

    # -- public endpoints and auth ----------------------------------------
    def test_health_needs_no_auth(self):
        r = self.c.get("/api/v1/health")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json["status"], "ok")

    def test_openapi_served(self):
        r = self.c.get("/api/v1/openapi.json")
        self.assertEqual(r.status, 200)
        self.assertTrue(r.json["openapi"].startswith("3.1"))
        self.assertIn("/api/v1/jobs/{id}/cancel", r.json["paths"])

    def test_no_token(self):
        p = self.problem(self.c.get("/api/v1/jobs"), 401)
        self.assertIn("Bearer", p["detail"])

    def test_wrong_token(self):
        self.problem(self.c.get("/api/v1/jobs", token="hpcn_nottherealtoken"), 401)
        self.problem(self.c.get("/api/v1/jobs", headers={"Authorization": "Basic abc"}), 401)

    def test_wrong_password_same_answer_as_unknown_user(self):
        a = self.problem(self.c.post("/api/v1/tokens", {"username": "alice", "password": "nope"}), 401)
        b = self.problem(self.c.post("/api/v1/tokens", {"username": "nobody", "password": "nope"}), 401)
        self.assertEqual(a["detail"], b["detail"])

    def test_expired_token(self):
        r = self.c.post("/api/v1/tokens", {"username": "admin", "password": ADMIN_PASSWORD,
                                           "name": "short", "expires_in": 60})
        tok, tid = r.json["token"], r.json["id"]
        self.assertEqual(self.c.get("/api/v1/users/me", token=tok).status, 200)
        self.c.sql("UPDATE tokens SET expires_at = 1000 WHERE id = ?", (tid,))
        p = self.problem(self.c.get("/api/v1/users/me", token=tok), 401)
        self.assertIn("expired", p["detail"])

    def test_revoked_token(self):
        r = self.c.post("/api/v1/tokens", {"username": "admin", "password": ADMIN_PASSWORD})
        tok, tid = r.json["token"], r.json["id"]
        self.assertEqual(self.c.request("DELETE", "/api/v1/tokens/" + tid, token=tok).status, 204)
        p = self.problem(self.c.get("/api/v1/users/me", token=tok), 401)
        self.assertIn("revoked", p["detail"])

    def test_tokens_stored_hashed(self):
        r = self.c.post("/api/v1/tokens", {"username": "admin", "password": ADMIN_PASSWORD})
        tok = r.json["token"]
        rows = self.c.sql("SELECT hash FROM tokens")
        self.assertFalse(any(tok in h for (h,) in rows))
        pw = self.c.sql("SELECT password_hash FROM users WHERE name = 'alice'")[0][0]
        self.assertTrue(pw.startswith("$argon2id$"))

    def test_admin_only(self):
        self.problem(self.c.post("/api/v1/centers", {"name": "evil"}, token=self.alice), 403)
        self.problem(self.c.get("/api/v1/users", token=self.alice), 403)
        self.problem(self.c.post("/api/v1/users", {"name": "x", "password": "12345678"},
                                 token=self.alice), 403)

    def test_agent_endpoints_refuse_users(self):
        self.problem(self.c.get("/api/v1/centers/%s/orders" % self.center_id, token=self.alice), 403)
        self.problem(self.c.post("/api/v1/centers/%s/reports" % self.center_id, {"items": []},
                                 token=self.c.admin_token()), 403)
        # and an agent credential cannot act as a user
        self.problem(self.c.get("/api/v1/jobs", token=self.agent_token), 403)

    def test_agent_cannot_act_for_another_center(self):
        self.problem(self.c.get("/api/v1/centers/%s/orders" % self.other_id,
                                token=self.agent_token), 403)

    def test_join_token_single_use(self):
        body = {"join_token": self.c.join_tokens["other"], "adapter": "none"}
        p = self.problem(self.c.post("/api/v1/centers/join", body), 401)
        self.assertIn("join token", p["detail"])

    # -- bad input, nothing half-written -----------------------------------
    def test_malformed_json(self):
        n = self.njobs()
        p = self.problem(self.c.request("POST", "/api/v1/jobs", raw=b'{"command": "x",',
                                        token=self.alice), 400)
        self.assertIn("malformed JSON", p["detail"])
        self.problem(self.c.request("POST", "/api/v1/jobs", raw=b'[1,2]', token=self.alice), 400)
        self.problem(self.c.request("POST", "/api/v1/jobs", raw=b'', token=self.alice), 400)
        self.assertEqual(self.njobs(), n)

    def test_wrong_types_and_unknown_fields(self):
        n = self.njobs()
        p = self.problem(self.c.post("/api/v1/jobs", {"command": "x", "cores": "four",
                                                      "bogus": 1, "walltime_seconds": -5},
                                     token=self.alice), 422)
        fields = sorted(e["field"] for e in p["errors"])
        self.assertEqual(fields, ["bogus", "cores", "walltime_seconds"])
        self.problem(self.c.post("/api/v1/jobs", {"cores": 1}, token=self.alice), 422)
        self.problem(self.c.post("/api/v1/jobs", {"command": "x", "script": "y"}, token=self.alice), 422)
        self.problem(self.c.post("/api/v1/jobs", {"command": "x", "env": {"1BAD": "v"}},
                                 token=self.alice), 422)
        self.problem(self.c.post("/api/v1/jobs", {"command": "x", "env": {"A": 1}},
                                 token=self.alice), 422)
        self.problem(self.c.post("/api/v1/jobs", {"command": "x",
                                                  "files": [{"path": "../etc/passwd", "content": "x"}]},
                                 token=self.alice), 422)
        self.problem(self.c.post("/api/v1/jobs", {"command": "x",
                                                  "files": [{"path": "a", "content_base64": "!!"}]},
                                 token=self.alice), 422)
        self.assertEqual(self.njobs(), n)

    def test_body_too_large(self):
        n = self.njobs()
        big = {"script": "#!/bin/sh\n" + "x" * (2 << 20)}
        self.problem(self.c.post("/api/v1/jobs", big, token=self.alice), 413)
        self.assertEqual(self.njobs(), n)

    def test_no_center_fits(self):
        n = self.njobs()
        p = self.problem(self.c.post("/api/v1/jobs", {"command": "x", "cores": 64},
                                     token=self.alice), 422)
        self.assertIn("64 cores", p["detail"])
        self.assertIn("alpha", p["detail"])
        p = self.problem(self.c.post("/api/v1/jobs", {"command": "x", "center": "nowhere"},
                                     token=self.alice), 422)
        self.assertIn("nowhere", p["detail"])
        self.assertEqual(self.njobs(), n)

    def test_bad_ids_and_queries(self):
        self.problem(self.c.get("/api/v1/jobs/123", token=self.alice), 404)
        self.problem(self.c.get("/api/v1/jobs/job_00000000000000000000000000", token=self.alice), 404)
        self.problem(self.c.get("/api/v1/jobs?limit=0", token=self.alice), 400)
        self.problem(self.c.get("/api/v1/jobs?limit=abc", token=self.alice), 400)
        self.problem(self.c.get("/api/v1/jobs?state=bogus", token=self.alice), 400)
        self.problem(self.c.get("/api/v1/jobs?cursor=zzz", token=self.alice), 400)
        p = self.problem(self.c.get("/api/v1/jobs?submitted_after=yesterday", token=self.alice), 400)
        self.assertIn("RFC 3339", p["detail"])
        self.problem(self.c.get("/api/v1/nothing", token=self.alice), 404)
        self.problem(self.c.request("PUT", "/api/v1/jobs", token=self.alice), 405)

    # -- ownership ---------------------------------------------------------
    def test_other_users_job_is_not_found(self):
        j = self.c.submit(self.alice, command="echo secret")
        for path in ("", "/stdout", "/stderr"):
            p = self.problem(self.c.get("/api/v1/jobs/" + j["id"] + path, token=self.bob), 404)
            self.assertNotIn("secret", json.dumps(p))
        self.problem(self.c.post("/api/v1/jobs/%s/cancel" % j["id"], token=self.bob), 404)
        ids = [x["id"] for x in self.c.all_jobs(self.bob)]
        self.assertNotIn(j["id"], ids)
        self.problem(self.c.get("/api/v1/jobs?user=alice", token=self.bob), 403)
        # an admin sees it
        self.assertEqual(self.c.get("/api/v1/jobs/" + j["id"], token=self.c.admin_token()).status, 200)
        self.assertIn(j["id"], [x["id"] for x in self.c.all_jobs(self.c.admin_token(), user="alice")])

    def test_agent_cannot_write_output_of_foreign_job(self):
        j = self.c.submit(self.bob, command="true")
        # Running at another center: this agent may not write its output.
        self.c.sql("UPDATE jobs SET center_id = ?, state = 'running' WHERE id = ?",
                   (self.other_id, j["id"]))
        r = self.c.request("POST", "/api/v1/jobs/%s/stdout?offset=0" % j["id"], raw=b"x",
                           ctype="application/octet-stream", token=self.agent_token)
        self.problem(r, 404)

    # -- idempotency -------------------------------------------------------
    def test_idempotent_submit(self):
        n = self.njobs()
        a = self.c.post("/api/v1/jobs", {"command": "echo 1"}, token=self.alice,
                        headers={"Idempotency-Key": "same"})
        b = self.c.post("/api/v1/jobs", {"command": "echo 1"}, token=self.alice,
                        headers={"Idempotency-Key": "same"})
        self.assertEqual(a.status, 201)
        self.assertEqual(b.status, 200)
        self.assertEqual(a.json["id"], b.json["id"])
        self.problem(self.c.post("/api/v1/jobs", {"command": "echo 2"}, token=self.alice,
                                 headers={"Idempotency-Key": "same"}), 409)
        # keys are per user: bob's "same" is another job
        c = self.c.post("/api/v1/jobs", {"command": "echo 1"}, token=self.bob,
                        headers={"Idempotency-Key": "same"})
        self.assertEqual(c.status, 201)
        self.assertNotEqual(c.json["id"], a.json["id"])
        self.assertEqual(self.njobs(), n + 2)

    def test_idempotent_submit_racing(self):
        ids, n = [], self.njobs()

        def go():
            r = self.c.post("/api/v1/jobs", {"command": "echo race"}, token=self.alice,
                            headers={"Idempotency-Key": "race-key"})
            ids.append((r.status, r.json["id"]))
        ts = [threading.Thread(target=go) for _ in range(16)]
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        self.assertEqual(len({i for _, i in ids}), 1, ids)
        self.assertEqual(sorted(s for s, _ in ids).count(201), 1, ids)
        self.assertEqual(self.njobs(), n + 1)

    # -- jobs without a running agent ---------------------------------------
    def test_cancel_queued_job(self):
        j = self.c.submit(self.alice, command="sleep 100", center="alpha", cores=8)
        r = self.c.post("/api/v1/jobs/%s/cancel" % j["id"], token=self.alice)
        self.assertEqual(r.status, 200, r)
        if r.json["state"] == "cancelled":   # still queued: it ends at once
            self.assertIn("cancelled by alice", r.json["state_reason"])
            self.problem(self.c.post("/api/v1/jobs/%s/cancel" % j["id"], token=self.alice), 409)
        else:                                # already dispatched: the center must confirm
            self.assertTrue(r.json["cancel_requested"])
            r = self.c.get("/api/v1/centers/%s/orders" % self.center_id, token=self.agent_token)
            self.assertIn(j["id"], r.json["cancel"])

    def test_pagination(self):
        u = self.c.create_user("pager")
        made = [self.c.submit(u, command="true", name="p%d" % i)["id"] for i in range(7)]
        seen, cursor = [], None
        while True:
            q = "/api/v1/jobs?limit=3" + ("&cursor=" + cursor if cursor else "")
            r = self.c.get(q, token=u)
            seen += [x["id"] for x in r.json["items"]]
            cursor = r.json["next_cursor"]
            if not cursor:
                break
        self.assertEqual(seen, list(reversed(made)))

    def test_list_by_submit_time(self):
        u = self.c.create_user("timer")
        first = self.c.submit(u, command="true", name="early")
        time.sleep(1.1)
        second = self.c.submit(u, command="true", name="late")
        cut = second["submitted_at"]
        r = self.c.get("/api/v1/jobs?submitted_after=" + cut, token=u)
        self.assertEqual([j["id"] for j in r.json["items"]], [second["id"]])
        r = self.c.get("/api/v1/jobs?submitted_before=" + cut, token=u)
        self.assertEqual([j["id"] for j in r.json["items"]], [first["id"]])
        r = self.c.get("/api/v1/jobs?submitted_after=2000-01-01T00:00:00Z&submitted_before="
                       + first["submitted_at"], token=u)
        self.assertEqual(r.json["items"], [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
