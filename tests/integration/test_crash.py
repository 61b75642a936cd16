# SPDX-License-Identifier: Apache-2.0
"""Crash safety: kill -9 of the agent mid-run and of the hub after
acknowledged submits. Every acknowledged job must end exactly once: each
job appends its id to a shared file, so a job run twice shows up twice."""
import collections
import os
import random
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import FINAL, Cluster, ClusterTest, wait_for  # noqa: E402


def run_counts(path):
    try:
        with open(path) as f:
            return collections.Counter(line.strip() for line in f if line.strip())
    except FileNotFoundError:
        return collections.Counter()


class CrashTest(ClusterTest):
    def setUp(self):
        type(self).c = self.c = Cluster("crash", center_ttl=5).start_hub()
        self.runs = os.path.join(self.c.dir, "runs.log")
        self.u = self.c.create_user("dave")

    def tearDown(self):
        self.c.stop()

    def submit_many(self, n, sleep_range=(0.2, 1.5)):
        ids = []
        for i in range(n):
            s = random.uniform(*sleep_range)
            j = self.c.submit(self.u, name="crash-%d" % i,
                              command="echo $HPCNET_JOB_ID >> %s; sleep %.2f; echo done-%d"
                              % (self.runs, s, i))
            ids.append(j["id"])
        return ids

    def wait_all(self, ids, timeout=180):
        def done():
            jobs = {j["id"]: j for j in self.c.all_jobs(self.u)}
            return jobs if all(jobs[i]["state"] in FINAL for i in ids) else None
        return wait_for(done, timeout, interval=0.5, what="all jobs to end")

    def check_exactly_once(self, ids, jobs):
        counts = run_counts(self.runs)
        for i, jid in enumerate(ids):
            self.assertEqual(jobs[jid]["state"], "succeeded", jobs[jid])
            self.assertEqual(counts[jid], 1, "job %s ran %d times" % (jid, counts[jid]))
            self.assertEqual(self.c.output(self.u, jid), b"done-%d\n" % i)
        self.assertEqual(sum(counts.values()), len(ids))

    def test_agent_kill9_mid_run(self):
        self.c.start_agent("alpha", cores=4)
        self.c.wait_online(["alpha"])
        ids = self.submit_many(40)
        for _ in range(4):  # kill at several moments of the run
            time.sleep(random.uniform(0.3, 2.0))
            self.c.kill_agent("alpha")
            time.sleep(random.uniform(0.0, 1.0))
            self.c.restart_agent("alpha")
        jobs = self.wait_all(ids)
        self.check_exactly_once(ids, jobs)

    def test_hub_kill9_after_acknowledged_submits(self):
        self.c.start_agent("alpha", cores=4)
        self.c.wait_online(["alpha"])
        ids = self.submit_many(60, sleep_range=(0.0, 0.3))
        # Every 201 above was acknowledged: kill the hub at once, twice,
        # while agents are busy reporting, and bring it back on the same port.
        for _ in range(2):
            self.c.kill_hub()
            known = {r[0] for r in self.c.sql("SELECT id FROM jobs")}
            self.assertTrue(set(ids) <= known, "acknowledged jobs missing after kill -9")
            self.c.start_hub()
            time.sleep(random.uniform(0.5, 1.5))
        jobs = self.wait_all(ids)
        self.check_exactly_once(ids, jobs)

    def test_agent_down_longer_than_ttl(self):
        self.c.start_agent("alpha", cores=2)
        self.c.wait_online(["alpha"])
        ids = self.submit_many(6, sleep_range=(2.0, 3.0))
        wait_for(lambda: any(j["state"] == "running" for j in self.c.all_jobs(self.u)),
                 what="a job running")
        self.c.kill_agent("alpha")
        wait_for(lambda: self.c.get("/api/v1/centers/alpha", token=self.u).json["status"]
                 == "offline", timeout=30, what="center offline")
        self.c.restart_agent("alpha")
        self.c.wait_online(["alpha"])
        jobs = self.wait_all(ids)
        self.check_exactly_once(ids, jobs)


if __name__ == "__main__":
    unittest.main(verbosity=2)
