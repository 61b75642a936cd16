# SPDX-License-Identifier: Apache-2.0
"""Jobs end to end: a real hub, two real agents with the local adapter.
200 jobs with their output and exit codes, cancel, walltime, files and
environment, pinning, queueing when a center is full, following output."""
import os
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Cluster, ClusterTest, wait_for  # noqa: E402


class JobsTest(ClusterTest):
    @classmethod
    def setUpClass(cls):
        cls.c = Cluster("jobs").start_hub()
        try:
            cls.c.start_agent("alpha", cores=4)
            cls.c.start_agent("beta", cores=2)
            cls.c.wait_online(["alpha", "beta"])
            cls.u = cls.c.create_user("carol")
        except Exception:
            cls.c.dump_logs()
            cls.c.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.c.stop()

    def test_200_jobs_output_and_exit_codes(self):
        ids = []
        for i in range(200):
            j = self.c.submit(self.u, name="many-%d" % i,
                              command="echo out-%d; echo err-%d >&2; exit %d" % (i, i, i % 3))
            ids.append(j["id"])
        done = {}

        def all_done():
            for j in self.c.all_jobs(self.u):
                if j["id"] in ids and j["state"] in ("succeeded", "failed", "cancelled", "lost"):
                    done[j["id"]] = j
            return len(done) == len(ids)
        wait_for(all_done, timeout=240, interval=0.5, what="200 jobs to finish")
        centers = set()
        for i, jid in enumerate(ids):
            j = done[jid]
            self.assertEqual(j["state"], "succeeded" if i % 3 == 0 else "failed", j)
            self.assertEqual(j["exit_code"], i % 3, j)
            self.assertEqual(self.c.output(self.u, jid), b"out-%d\n" % i)
            self.assertEqual(self.c.output(self.u, jid, "stderr"), b"err-%d\n" % i)
            self.assertIsNotNone(j["started_at"])
            self.assertIsNotNone(j["ended_at"])
            self.assertIsNotNone(j["usage"]["cpu_seconds"])
            centers.add(j["center"])
        self.assertEqual(centers, {"alpha", "beta"})

    def test_cancel_running_job(self):
        j = self.c.submit(self.u, script="#!/bin/sh\necho $$\nsleep 300 &\necho $!\nwait\n")
        self.c.wait_job(self.u, j["id"], states=("running",), timeout=30)
        out = wait_for(lambda: (lambda o: o if o.count(b"\n") == 2 else None)(
            self.c.output(self.u, j["id"])), timeout=30, what="the job's pids")
        pids = [int(x) for x in out.split()]
        for pid in pids:
            os.kill(pid, 0)  # alive now
        r = self.c.post("/api/v1/jobs/%s/cancel" % j["id"], token=self.u)
        self.assertEqual(r.status, 200, r)
        j = self.c.wait_job(self.u, j["id"], timeout=30)
        self.assertEqual(j["state"], "cancelled", j)
        # the whole process group is gone, including the backgrounded sleep
        def gone(pid):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return True
            # a zombie not yet reaped by init counts as gone
            with open("/proc/%d/stat" % pid) as f:
                return f.read().split(") ")[1].startswith("Z")
        wait_for(lambda: all(gone(p) for p in pids), timeout=20, what="job processes to be gone")

    def test_walltime_kill(self):
        t0 = time.monotonic()
        j = self.c.submit(self.u, command="echo start; sleep 120", walltime_seconds=2)
        j = self.c.wait_job(self.u, j["id"], timeout=60)
        self.assertEqual(j["state"], "failed", j)
        self.assertIn("walltime", j["state_reason"])
        self.assertLess(time.monotonic() - t0, 50)
        self.assertEqual(self.c.output(self.u, j["id"]), b"start\n")

    def test_files_and_env(self):
        j = self.c.submit(self.u, command="cat data/in.txt; echo \"$GREETING $HPCNET_JOB_ID\"",
                          env={"GREETING": "hi"},
                          files=[{"path": "data/in.txt", "content": "file-content\n"}])
        j = self.c.wait_job(self.u, j["id"])
        self.assertEqual(j["state"], "succeeded", j)
        self.assertEqual(self.c.output(self.u, j["id"]),
                         b"file-content\nhi %s\n" % j["id"].encode())

    def test_pinned_and_placement_reason(self):
        j = self.c.submit(self.u, command="true", center="beta")
        j = self.c.wait_job(self.u, j["id"])
        self.assertEqual(j["center"], "beta")
        self.assertEqual(j["center_requested"], "beta")
        self.assertIn("beta", j["placement_reason"])
        states = [e["state"] for e in j["events"]]
        self.assertEqual(states[:3], ["submitted", "queued", "dispatched"])
        self.assertEqual(states[-1], "succeeded")

    def test_jobs_wait_when_center_full(self):
        ids = [self.c.submit(self.u, command="sleep 1", cores=2, center="beta")["id"]
               for _ in range(3)]
        # The last one waits for the first two, and says why while it waits.
        j = wait_for(lambda: (lambda j: j if j["state"] == "queued" and j["placement_reason"]
                              else None)(self.c.job(self.u, ids[2])),
                     timeout=30, what="a waiting reason on the queued job")
        self.assertIn("waiting: 1 center can run it (2 cores), none has room now; best: beta",
                      j["placement_reason"])
        jobs = [self.c.wait_job(self.u, i, timeout=60) for i in ids]
        self.assertIn("beta:", jobs[2]["placement_reason"])  # then where it went, and why
        spans = sorted((j["started_at"], j["ended_at"]) for j in jobs)
        for a, b in zip(spans, spans[1:]):
            self.assertLessEqual(a[1], b[0], "2-core jobs overlapped on a 2-core center")

    def test_too_big_rejected_at_submit(self):
        r = self.c.post("/api/v1/jobs", {"command": "true", "cores": 5, "center": "beta"},
                        token=self.u)
        self.assertEqual(r.status, 422, r)
        self.assertIn("beta", r.json["detail"])

    def test_follow_output(self):
        j = self.c.submit(self.u, command="echo first; sleep 3; echo second")
        r = self.c.get("/api/v1/jobs/%s/stdout?wait=30" % j["id"], token=self.u)
        self.assertEqual(r.body, b"first\n")
        self.assertNotIn(r.headers["x-hpcnet-job-state"], ("succeeded",))
        t0 = time.monotonic()
        r = self.c.get("/api/v1/jobs/%s/stdout?offset=6&wait=30" % j["id"], token=self.u)
        self.assertEqual(r.body, b"second\n")
        self.assertGreater(time.monotonic() - t0, 0.5)  # it waited for the bytes


if __name__ == "__main__":
    unittest.main(verbosity=2)
