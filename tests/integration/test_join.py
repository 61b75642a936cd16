# SPDX-License-Identifier: Apache-2.0
"""Joining is idempotent for the agent that joined: the agent makes its
credential and sends only its hash, so an agent killed after the hub
took its join but before it saved the credential starts again with the
same join token and gets in; nobody else can reuse a spent token."""
import hashlib
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Cluster, ClusterTest, wait_for  # noqa: E402


def sha(s):
    return hashlib.sha256(s.encode()).hexdigest()


class JoinTest(ClusterTest):
    @classmethod
    def setUpClass(cls):
        cls.c = Cluster("join").start_hub()

    @classmethod
    def tearDownClass(cls):
        cls.c.stop()

    def join(self, token, secret_hash, **extra):
        return self.c.post("/api/v1/centers/join",
                           dict({"join_token": token, "adapter": "none",
                                 "agent_token_hash": secret_hash}, **extra))

    def test_repeat_join_with_the_same_credential(self):
        tok = self.c.add_center("rep")["join_token"]
        secret = "hpca_test-secret-one"
        r = self.join(tok, sha(secret))
        self.assertEqual(r.status, 200, r)
        self.assertNotIn("agent_token", r.json)  # the agent has it: it never travels
        self.assertFalse(r.json["rejoined"])
        cid = r.json["center_id"]
        hb = {"resources": {"total_cores": 1, "free_cores": 1, "total_memory_bytes": 1 << 30,
                            "free_memory_bytes": 1 << 30}}
        self.assertEqual(self.c.post("/api/v1/centers/%s/heartbeat" % cid, hb,
                                     token=secret).status, 200)
        # the same join again (answer lost): recognized, nothing changes
        r = self.join(tok, sha(secret))
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["rejoined"])
        self.assertEqual(r.json["center_id"], cid)
        self.assertEqual(self.c.post("/api/v1/centers/%s/heartbeat" % cid, hb,
                                     token=secret).status, 200)
        # someone else with the spent token: refused, and the credential stays
        self.assertEqual(self.join(tok, sha("hpca_other")).status, 401)
        self.assertEqual(self.c.post("/api/v1/centers/join",
                                     {"join_token": tok, "adapter": "none"}).status, 401)
        self.assertEqual(self.c.post("/api/v1/centers/%s/heartbeat" % cid, hb,
                                     token=secret).status, 200)
        # a new join token ends the repeat window of the old one
        r = self.c.post("/api/v1/centers/rep/join-token", token=self.c.admin_token())
        self.assertEqual(r.status, 200, r)
        self.assertEqual(self.join(tok, sha(secret)).status, 401)
        # the repeat was audited as changing nothing (200), the join itself once
        rows = self.c.sql("SELECT status FROM audit_log WHERE route = '/api/v1/centers/join'"
                          " AND object_id = ?", (cid,))
        self.assertEqual(sorted(r[0] for r in rows), [200, 200])

    def test_bad_hash_is_422(self):
        tok = self.c.add_center("bad")["join_token"]
        r = self.join(tok, "Z" * 64)
        self.assertEqual(r.status, 422, r)
        self.assertEqual(r.json["errors"][0]["field"], "agent_token_hash")
        self.assertEqual(self.join(tok, sha("x")).status, 200)  # the token was not spent

    def test_agent_killed_between_answer_and_save(self):
        """The real agent, SIGKILLed right after the hub's answer, before
        it saved the credential; started again with the same join token."""
        os.environ["HPCNET_AGENT_CRASH_AT"] = "joined"
        try:
            p = self.c.start_agent("crashy", adapter="none")
            p.wait(60)
        finally:
            del os.environ["HPCNET_AGENT_CRASH_AT"]
        self.assertEqual(p.returncode, -9)
        self.assertIsNotNone(self.c.sql("SELECT agent_token_hash FROM centers WHERE name ="
                                        " 'crashy'")[0][0], "the hub did not take the join")
        self.c.restart_agent("crashy")
        self.c.wait_online(["crashy"])
        tok = self.c.create_user("cara")
        job = self.c.submit(tok, command="true")
        self.assertEqual(self.c.wait_job(tok, job["id"])["state"], "succeeded")
        wait_for(lambda: "joined again with the same credential" in self.c.log_tail("hub.log", 400),
                 what="the hub's note of the repeated join")


if __name__ == "__main__":
    unittest.main()
