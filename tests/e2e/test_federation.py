# SPDX-License-Identifier: Apache-2.0
"""Three centers, one hub, end to end: a Slurm center, a Grid Engine center
(the single-host clusters of tests/setup/{slurm,sge}.sh, started by the
CTest fixtures) and a local center, each behind its own real agent, with
the hub in its own network namespace so every hub<->agent byte crosses a
veth link (loopback when namespaces are unavailable; the output says so).

What it proves, in order (each step starts from the state the one before
left):
  1. 300 mixed jobs (exit codes, 1/2/8 cores, pinned ones, a GPU job) are
     spread by the hub's scheduler over all three centers; each finishes
     once with its own output and exit code; pinned jobs run where pinned;
     8-core jobs never go to the 4-core center; the GPU job only to Slurm;
     jobs that fit no center are refused at submit.
  2. Drain: jobs pending in Slurm (its partition is DOWN) are recalled from
     Slurm when the center is drained and run elsewhere, once.
  3. An agent killed (SIGKILL) for longer than the hub's heartbeat TTL: the
     center goes offline, orders it never received are re-placed, and the
     Slurm jobs that were running meanwhile are reconciled (output, exit
     code) once it returns.

"Once" is checked from the jobs' side, not only the hub's: every job
script appends a line to its own marker file (shared by all centers on
this host), and the Slurm/SGE records are read with their own tools.
"""
import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import Cluster, ClusterTest, FINAL, NetNs, netns_available, wait_for  # noqa: E402

SLURM, SGE, LOCAL = "slurm-a", "sge-b", "local-c"
ADAPTER = {SLURM: "slurm", SGE: "sge", LOCAL: "local"}
LOCAL_CORES = 4
TTL = 5  # the hub's --center-ttl, seconds
SLURM_PARTITION = "debug"  # the default partition of tests/setup/slurm.sh


def sh(*args, check=True):
    return subprocess.run(args, capture_output=True, text=True, check=check)


def slurm_records(jid):
    """[(slurm id, state)] of the Slurm jobs carrying hub job jid."""
    out = sh("squeue", "-h", "-t", "all", "--name=hpcnet-" + jid, "-o", "%i|%T").stdout
    return [tuple(line.split("|")) for line in out.split()]


def set_partition(state):
    sh("scontrol", "update", "PartitionName=" + SLURM_PARTITION, "State=" + state)


class FederationTest(ClusterTest):
    @classmethod
    def setUpClass(cls):
        if sh("scontrol", "ping", check=False).returncode != 0:
            raise unittest.SkipTest("no Slurm cluster (tests/setup/slurm.sh start)")
        if sh("/bin/sh", "-c", "command -v qstat || ls /var/lib/gridengine/bin/*/qstat",
              check=False).returncode != 0:
            raise unittest.SkipTest("no Grid Engine (tests/setup/sge.sh start)")
        cls.ns = NetNs("e2e") if netns_available() else None
        print("hub<->agents: %s" % ("veth link into the hub's network namespace %s" % cls.ns.name
                                     if cls.ns else "loopback (network namespaces unavailable)"),
              file=sys.stderr)
        cls.c = Cluster("e2e", center_ttl=TTL, netns=cls.ns)
        try:
            cls.c.start_hub()
            cls.marks = os.path.join(cls.c.dir, "marks")
            os.makedirs(cls.marks)
            cls.u = cls.c.create_user("fed")
            cls.c.start_agent(SLURM, cores=16, adapter="slurm", extra=("--gpus", "2"))
            cls.c.start_agent(SGE, cores=16, adapter="sge")
            cls.c.start_agent(LOCAL, cores=LOCAL_CORES, mem="4G", adapter="local")
            cls.c.wait_online([SLURM, SGE, LOCAL], timeout=60)
        except Exception:
            cls.c.dump_logs()
            cls.tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        set_partition("UP")
        try:
            cls.c.stop()
        finally:
            if cls.ns:
                cls.ns.remove()

    # -- helpers -----------------------------------------------------------
    def script(self, body, exit_code=0):
        """A job that records each run of itself (and where it ran) in its
        marker file before doing anything else."""
        return ("w=local; [ -n \"$JOB_ID\" ] && w=sge; [ -n \"$SLURM_JOB_ID\" ] && w=slurm\n"
                "echo \"$w\" >> %s/$HPCNET_JOB_ID\n%s\nexit %d\n" % (self.marks, body, exit_code))

    def runs(self, jid):
        """Where each run of job jid happened, by its marker file."""
        try:
            with open(os.path.join(self.marks, jid)) as f:
                return f.read().split()
        except FileNotFoundError:
            return []

    def submit(self, **job):
        job.setdefault("walltime_seconds", 600)
        return self.c.submit(self.u, **job)["id"]

    def wait_all(self, ids, timeout):
        ids = set(ids)

        def done():
            js = {j["id"]: j for j in self.c.all_jobs(self.u) if j["id"] in ids}
            return js if all(js.get(i, {}).get("state") in FINAL for i in ids) else None
        try:
            return wait_for(done, timeout, interval=0.5, what="%d jobs to finish" % len(ids))
        except AssertionError:
            js = {j["id"]: j for j in self.c.all_jobs(self.u) if j["id"] in ids}
            left = [(i, js.get(i, {}).get("state"), js.get(i, {}).get("center")) for i in ids
                    if js.get(i, {}).get("state") not in FINAL]
            raise AssertionError("%d of %d jobs unfinished after %ds, e.g. %s" %
                                 (len(left), len(ids), timeout, left[:10]))

    def drain(self, name, on=True):
        r = self.c.post("/api/v1/centers/%s/%s" % (name, "drain" if on else "undrain"),
                        token=self.c.admin_token())
        self.assertEqual(r.status, 200, r)
        return r.json

    def center(self, name):
        r = self.c.get("/api/v1/centers/" + name, token=self.c.admin_token())
        self.assertEqual(r.status, 200, r)
        return r.json

    def check_once(self, jid, j, expect_out=None, expect_exit=0):
        self.assertEqual(j["state"], "succeeded" if expect_exit == 0 else "failed", j)
        self.assertEqual(j["exit_code"], expect_exit, j)
        self.assertEqual(self.runs(jid), [ADAPTER[j["center"]]],
                         "job %s ran %s, hub says once on %s" % (jid, self.runs(jid), j["center"]))
        if expect_out is not None:
            self.assertEqual(self.c.output(self.u, jid), expect_out, j)

    # -- 1 -----------------------------------------------------------------
    def test_1_three_hundred_jobs_spread(self):
        centers = [SLURM, SGE, LOCAL]
        expect = {}  # job id -> (i, pinned center or None, cores, exit code)
        t0 = time.monotonic()
        for i in range(300):
            pin = centers[(i // 10) % 3] if i % 10 == 0 else None
            cores = 8 if i % 25 == 7 else 2 if i % 5 == 1 else 1
            code = 3 if i % 7 == 3 else 0
            job = dict(name="mix-%d" % i, cores=cores, memory_bytes=64 << 20,
                       command=self.script("echo out-%d; echo err-%d >&2" % (i, i), code))
            if pin:
                job["center"] = pin
            expect[self.submit(**job)] = (i, pin, cores, code)
        gpu = self.submit(name="gpu", gpus=1, gpu_model="a100",
                          command=self.script("echo gpu=${CUDA_VISIBLE_DEVICES:-none}"))
        submitted = time.monotonic() - t0

        # Jobs no center can run are refused at once, with the reason.
        for too_big, word in (({"cores": 64}, "cores"), ({"gpus": 1, "gpu_model": "h100"}, "GPU")):
            r = self.c.post("/api/v1/jobs", dict(too_big, command="true"), token=self.u)
            self.assertEqual(r.status, 422, r)
            self.assertIn(word, r.json["detail"], r.json)

        js = self.wait_all(list(expect) + [gpu], timeout=420)
        took = time.monotonic() - t0
        spread = {c: 0 for c in centers}
        for jid, (i, pin, cores, code) in expect.items():
            j = js[jid]
            self.check_once(jid, j, expect_exit=code)
            if pin:
                self.assertEqual(j["center"], pin, j)
            else:
                spread[j["center"]] += 1
            if cores > LOCAL_CORES:
                self.assertNotEqual(j["center"], LOCAL, j)
        for jid, (i, _, _, _) in list(expect.items())[::15]:  # outputs, a sample of 20
            self.assertEqual(self.c.output(self.u, jid), b"out-%d\n" % i)
            self.assertEqual(self.c.output(self.u, jid, "stderr"), b"err-%d\n" % i)
        self.check_once(gpu, js[gpu], expect_out=b"gpu=0\n")
        self.assertEqual(js[gpu]["center"], SLURM)
        # Each center's own records agree: one Slurm job per hub job there.
        for jid, j in js.items():
            if j["center"] == SLURM:
                self.assertEqual(len(slurm_records(jid)), 1, jid)
        print("300 jobs: submitted in %.1f s, all finished %.1f s after the first submit;"
              " unpinned jobs per center: %s" % (submitted, took, spread), file=sys.stderr)
        for name, n in spread.items():
            self.assertGreater(n, 0, "the scheduler sent no unpinned job to %s: %s" % (name, spread))

    # -- 2 -----------------------------------------------------------------
    def test_2_drain_recalls_jobs_pending_in_slurm(self):
        # Slurm takes jobs but starts none while its partition is DOWN;
        # with the other two centers drained, new jobs can only go there.
        set_partition("DOWN")
        self.drain(SGE)
        self.drain(LOCAL)
        ids = [self.submit(name="pend-%d" % i, command=self.script("echo moved-%d" % i))
               for i in range(6)]
        for jid in ids:
            j = self.c.wait_job(self.u, jid, states=("pending",), timeout=90)
            self.assertEqual(j["center"], SLURM, j)
            self.assertEqual([s for _, s in slurm_records(jid)], ["PENDING"])
        self.assertEqual([self.runs(jid) for jid in ids], [[]] * 6)

        self.drain(LOCAL, on=False)
        self.drain(SGE, on=False)
        d = self.drain(SLURM)
        self.assertEqual(d["jobs_recalled"], 6, d)
        js = self.wait_all(ids, timeout=120)
        for i, jid in enumerate(ids):
            j = js[jid]
            self.assertIn(j["center"], (SGE, LOCAL), j)
            self.check_once(jid, j, expect_out=b"moved-%d\n" % i)
            ev = self.c.job(self.u, jid)["events"]
            self.assertIn("recall_requested", [e["state"] for e in ev], ev)
            self.assertTrue(any("given back unstarted" in (e["detail"] or "") for e in ev), ev)
            # Slurm withdrew its copy before it ever started.
            self.assertEqual([s for _, s in slurm_records(jid)], ["CANCELLED"])
        set_partition("UP")
        self.drain(SLURM, on=False)

    # -- 3 -----------------------------------------------------------------
    def test_3_agent_killed_past_ttl(self):
        running = [self.submit(name="long-%d" % i, center=SLURM,
                               command=self.script("sleep 8; echo survived-%d" % i, i))
                   for i in range(3)]
        for jid in running:
            self.c.wait_job(self.u, jid, states=("running",), timeout=90)
        # Only Slurm can take new work; then its agent dies without a word.
        self.drain(SGE)
        self.drain(LOCAL)
        pid = self.c.agents[SLURM].pid
        os.kill(pid, signal.SIGKILL)
        self.c.agents[SLURM].wait(30)
        stranded = [self.submit(name="stranded-%d" % i, command=self.script("echo placed-%d" % i))
                    for i in range(5)]
        wait_for(lambda: self.center(SLURM)["status"] == "offline", timeout=TTL + 30,
                 what="%s offline after its agent was killed" % SLURM)
        # Its undelivered orders came back to the hub's queue ...
        for jid in stranded:
            j = self.c.wait_job(self.u, jid, states=("queued",), timeout=30)
            self.assertIsNone(j["center"], j)
            ev = self.c.job(self.u, jid)["events"]
            self.assertIn("dispatched", [e["state"] for e in ev], ev)
            self.assertTrue(any("is offline" in (e["detail"] or "") for e in ev), ev)
        # ... and run elsewhere once other centers take work again.
        self.drain(SGE, on=False)
        self.drain(LOCAL, on=False)
        js = self.wait_all(stranded, timeout=120)
        for i, jid in enumerate(stranded):
            self.assertIn(js[jid]["center"], (SGE, LOCAL), js[jid])
            self.check_once(jid, js[jid], expect_out=b"placed-%d\n" % i)
        # The Slurm jobs ran on without the agent; the hub still says running.
        wait_for(lambda: [s for r in running for _, s in slurm_records(r)] ==
                 ["COMPLETED", "FAILED", "FAILED"],  # exit codes 0, 1, 2
                 timeout=120, what="the Slurm jobs to end without their agent")
        for jid in running:
            self.assertEqual(self.c.job(self.u, jid)["state"], "running")
        # The agent comes back: the hub learns how they ended, from Slurm.
        self.c.restart_agent(SLURM)
        self.c.wait_online([SLURM], timeout=60)
        js = self.wait_all(running, timeout=120)
        for i, jid in enumerate(running):
            self.assertEqual(js[jid]["center"], SLURM)
            self.check_once(jid, js[jid], expect_out=b"survived-%d\n" % i, expect_exit=i)
            self.assertEqual(len(slurm_records(jid)), 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
