# SPDX-License-Identifier: Apache-2.0
"""What the API gives the portal beyond the CLI's needs: each center's
estimated cost in the explain answer, so a user sees before submitting
what a job would cost where."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Cluster, ClusterTest  # noqa: E402

CORE_HOUR = 120  # minor units


class PortalApiTest(ClusterTest):
    @classmethod
    def setUpClass(cls):
        cls.c = Cluster("portal-api").start_hub()
        try:
            cls.c.start_agent("alpha", cores=4)
            cls.c.start_agent("beta", cores=2)
            cls.c.wait_online(["alpha", "beta"])
            cls.admin = cls.c.admin_token()
            r = cls.c.post("/api/v1/centers/alpha/prices",
                           {"items": [{"resource": "core_hour", "price": CORE_HOUR}]},
                           token=cls.admin)
            assert r.status == 201, r
            r = cls.c.post("/api/v1/prices/%s/approve" % r.json["id"], token=cls.admin)
            assert r.status == 200, r
            cls.alice = cls.c.create_user("alice")
        except Exception:
            cls.c.dump_logs()
            cls.c.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.c.stop()

    def explain(self, **job):
        r = self.c.post("/api/v1/jobs/explain", dict({"command": "true"}, **job), token=self.alice)
        self.assertEqual(r.status, 200, r)
        return r.json, {v["center"]: v for v in r.json["verdicts"]}

    def test_cost_per_center(self):
        x, v = self.explain(cores=2, walltime_seconds=3 * 3600)
        self.assertRegex(x["currency"], "^[A-Z]{3}$")
        # alpha has prices: at least 2 cores x 3 h x CORE_HOUR (the hub may
        # add its grace); beta has none: free.
        self.assertGreaterEqual(v["alpha"]["estimated_cost"], 2 * 3 * CORE_HOUR)
        self.assertLess(v["alpha"]["estimated_cost"], 2 * 3 * CORE_HOUR * 1.05)
        self.assertEqual(v["beta"]["estimated_cost"], 0)
        # The figure follows the request.
        _, v1 = self.explain(cores=1, walltime_seconds=3 * 3600)
        self.assertLess(v1["alpha"]["estimated_cost"], v["alpha"]["estimated_cost"])

    def test_cost_is_the_hold_submit_takes(self):
        r = self.c.post("/api/v1/accounts/user:alice/topup", {"amount": 100000}, token=self.admin)
        self.assertIn(r.status, (200, 201), r)
        job = {"command": "true", "cores": 2, "walltime_seconds": 5400, "center": "alpha"}
        _, v = self.explain(**job)
        j = self.c.submit(self.alice, **job)
        r = self.c.get("/api/v1/jobs/%s/usage" % j["id"], token=self.alice)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["hold"]["amount"], v["alpha"]["estimated_cost"])

    def test_no_cost_where_it_cannot_run(self):
        _, v = self.explain(cores=3)
        self.assertFalse(v["beta"]["eligible"])
        self.assertIsNone(v["beta"]["estimated_cost"])
        self.assertGreaterEqual(v["alpha"]["estimated_cost"], 3 * CORE_HOUR)


if __name__ == "__main__":
    unittest.main()
