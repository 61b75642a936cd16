# SPDX-License-Identifier: Apache-2.0
"""A real hub and an agent with --adapter sge against the single-host Grid
Engine that tests/setup/sge.sh starts (the CTest fixture `sge`): output and
exit codes, a failed job, a 2-slot job, a walltime kill, cancel of a running
job, one SGE job for one hub job even when the agent submits it again, and
faults of the SGE commands (hang, exit 1, garbage) that must never turn
into a failed or lost job and that the agent recovers from."""
import glob
import os
import sqlite3
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from harness import Cluster, ClusterTest, wait_for  # noqa: E402

SGE_ROOT = os.environ.get("SGE_ROOT", "/var/lib/gridengine")
SGE_ENV = dict(os.environ, SGE_ROOT=SGE_ROOT, SGE_CELL=os.environ.get("SGE_CELL", "default"))
ARCH = subprocess.run([SGE_ROOT + "/util/arch"], capture_output=True, text=True).stdout.strip()
BINDIR = "%s/bin/%s" % (SGE_ROOT, ARCH)
COMMANDS = ("qsub", "qstat", "qacct", "qdel", "qhold", "qrls", "qmod", "qhost")

# A stand-in for every SGE command: does what the file `mode` says.
FAKE = """#!/bin/sh
mode=$(cat "%(dir)s/mode" 2>/dev/null)
echo "$mode $(basename "$0") $*" >>"%(dir)s/calls"
case "$mode" in
hang) exec sleep 600 ;;
fail) echo "error: commlib error: got select error (Connection refused)" >&2; exit 1 ;;
garbage) echo "<<<not what you expected"; exit 0 ;;
qsubjunk)
	# qsub submits, but its answer is lost; the other commands work
	[ "$(basename "$0")" = qsub ] || exec "%(bindir)s/$(basename "$0")" "$@"
	"%(bindir)s/qsub" "$@" >/dev/null 2>&1; echo "Your job is somewhere"; exit 0 ;;
*) exec "%(bindir)s/$(basename "$0")" "$@" ;;
esac
"""


def sge(*args):
    return subprocess.run([BINDIR + "/" + args[0]] + list(args[1:]), env=SGE_ENV,
                          capture_output=True, text=True)


def in_qstat(name):
    """SGE job numbers named `name` that are queued or running."""
    import xml.etree.ElementTree as ET
    root = ET.fromstring(sge("qstat", "-xml", "-u", "*").stdout)
    return {int(j.findtext("JB_job_number")) for j in root.iter("job_list")
            if j.findtext("JB_name") == name}


def sge_jobs_named(name):
    """SGE job numbers named `name`, queued/running (qstat) and finished (qacct)."""
    nums = in_qstat(name)
    for line in sge("qacct", "-j", name).stdout.splitlines():
        if line.startswith("jobnumber"):
            nums.add(int(line.split()[1]))
    return nums


class SgeTest(ClusterTest):
    @classmethod
    def setUpClass(cls):
        cls.c = Cluster("sge")
        try:
            cls.c.start_hub()
            cls.u = cls.c.create_user("sgeuser")
            cls.c.start_agent("gridengine", cores=16, adapter="sge")
            cls.c.wait_online(["gridengine"])
        except Exception:
            cls.c.dump_logs()
            cls.c.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.c.stop()

    def center(self):
        r = self.c.get("/api/v1/centers", token=self.c.admin_token())
        return [c for c in r.json["items"] if c["name"] == "gridengine"][0]

    def test_output_and_exit_codes(self):
        ids = [self.c.submit(self.u, command="echo out-%d; echo err-%d >&2; exit %d" % (i, i, i % 3),
                             center="gridengine")["id"] for i in range(6)]
        for i, jid in enumerate(ids):
            j = self.c.wait_job(self.u, jid, timeout=90)
            self.assertEqual(j["state"], "succeeded" if i % 3 == 0 else "failed", j)
            self.assertEqual(j["exit_code"], i % 3, j)
            self.assertEqual(self.c.output(self.u, jid), b"out-%d\n" % i)
            self.assertEqual(self.c.output(self.u, jid, "stderr"), b"err-%d\n" % i)
        j = self.c.job(self.u, ids[1])
        self.assertIn("exited with status 1", j["state_reason"])

    def test_script_env_files_and_two_slots(self):
        j = self.c.submit(self.u, script="#!/usr/bin/env python3\nimport os\n"
                          "print(os.environ['NSLOTS'], os.environ['GREETING'],"
                          " open('data/in.txt').read().strip(), os.environ['HPCNET_JOB_ID'])\n",
                          cores=2, env={"GREETING": "hi, there"}, center="gridengine",
                          files=[{"path": "data/in.txt", "content": "file-content\n"}])
        j = self.c.wait_job(self.u, j["id"], timeout=90)
        self.assertEqual(j["state"], "succeeded", j)
        self.assertEqual(self.c.output(self.u, j["id"]),
                         b"2 hi, there file-content %s\n" % j["id"].encode())

    def test_walltime(self):
        t0 = time.monotonic()
        j = self.c.submit(self.u, command="echo start; sleep 120", walltime_seconds=3,
                          center="gridengine")
        j = self.c.wait_job(self.u, j["id"], timeout=90)
        self.assertEqual(j["state"], "failed", j)
        self.assertIn("walltime", j["state_reason"])
        self.assertLess(time.monotonic() - t0, 80)
        self.assertEqual(self.c.output(self.u, j["id"]), b"start\n")

    def test_cancel_running(self):
        j = self.c.submit(self.u, command="echo started; sleep 300", center="gridengine")
        self.c.wait_job(self.u, j["id"], states=("running",), timeout=60)
        wait_for(lambda: self.c.output(self.u, j["id"]) == b"started\n", timeout=30,
                 what="the job's output")
        name = "hpcnet-" + j["id"]
        self.assertEqual(len(sge_jobs_named(name)), 1)
        r = self.c.post("/api/v1/jobs/%s/cancel" % j["id"], token=self.u)
        self.assertEqual(r.status, 200, r)
        j = self.c.wait_job(self.u, j["id"], timeout=60)
        self.assertEqual(j["state"], "cancelled", j)
        wait_for(lambda: not in_qstat(name), timeout=30, what="the SGE job to be gone")

    def test_snapshot(self):
        c = wait_for(lambda: (lambda c: c if c["resources"]["total_cores"] >= 16 else None)(
            self.center()), timeout=30, what="the center's capacity")
        self.assertGreaterEqual(c["resources"]["total_cores"], 16, c)

    def _resubmit_after_crash(self, jid, until=None):
        """Makes the agent believe its submit of jid was cut short: kills
        it, waits for until(), puts the journal row back to 'submitting'
        and removes the adapter's marker (as if the agent had died between
        qsub and writing it), then starts the agent again."""
        self.c.kill_agent("gridengine")
        if until:
            until()
        wd = os.path.join(self.c.dir, "centers", "gridengine")
        os.unlink(os.path.join(wd, "sge", jid, ".hpcnet", "submitted.jobid"))
        con = sqlite3.connect(os.path.join(wd, "agent.db"), timeout=10)
        con.execute("UPDATE jobs SET phase = 'submitting', ref = '' WHERE job_id = ?", (jid,))
        con.commit()
        con.close()
        self.c.restart_agent("gridengine")

    def test_submit_twice_one_sge_job(self):
        # Running: found again by name in qstat.
        j = self.c.submit(self.u, command="echo once >> runs.txt; cat runs.txt; sleep 6",
                          center="gridengine")
        self.c.wait_job(self.u, j["id"], states=("running",), timeout=60)
        self._resubmit_after_crash(j["id"])
        j = self.c.wait_job(self.u, j["id"], timeout=90)
        self.assertEqual(j["state"], "succeeded", j)
        self.assertEqual(self.c.output(self.u, j["id"]), b"once\n")
        self.assertEqual(len(sge_jobs_named("hpcnet-" + j["id"])), 1)
        # Finished and gone from qstat: found again by name in qacct.
        j = self.c.submit(self.u, command="echo once >> runs.txt; cat runs.txt; sleep 2",
                          center="gridengine")
        self.c.wait_job(self.u, j["id"], states=("running",), timeout=60)
        name = "hpcnet-" + j["id"]

        def finished():
            wait_for(lambda: not in_qstat(name), timeout=30, what="the job to leave qstat")
            wait_for(lambda: sge("qacct", "-j", name).returncode == 0, timeout=30,
                     what="the job's accounting record")
        self._resubmit_after_crash(j["id"], finished)
        j = self.c.wait_job(self.u, j["id"], timeout=90)
        self.assertEqual(j["state"], "succeeded", j)
        self.assertEqual(self.c.output(self.u, j["id"]), b"once\n")
        self.assertEqual(len(sge_jobs_named(name)), 1)


class SgeFaultTest(ClusterTest):
    """The SGE commands hang, fail or print garbage while jobs run and end:
    no job may be marked failed or lost for it, and all converge after."""

    @classmethod
    def setUpClass(cls):
        cls.c = Cluster("sgefault")
        cls.fake = os.path.join(cls.c.dir, "fakebin")
        os.makedirs(cls.fake)
        for cmd in COMMANDS:
            p = os.path.join(cls.fake, cmd)
            with open(p, "w") as f:
                f.write(FAKE % {"dir": cls.fake, "bindir": BINDIR})
            os.chmod(p, 0o755)
        cls.mode("real")
        try:
            cls.c.start_hub()
            cls.u = cls.c.create_user("sgefault")
            cls.c.start_agent("faulty", cores=16, adapter="sge",
                              opts=["bindir=" + cls.fake, "timeout=2"])
            cls.c.wait_online(["faulty"])
        except Exception:
            cls.c.dump_logs()
            cls.c.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.mode("real")
        cls.c.stop()

    @classmethod
    def mode(cls, m):
        with open(os.path.join(cls.fake, "mode"), "w") as f:
            f.write(m)

    def calls(self, mode, cmd=""):
        try:
            with open(os.path.join(self.fake, "calls")) as f:
                return f.read().count("%s q%s" % (mode, cmd))
        except FileNotFoundError:
            return 0

    def watch(self, ids, until, what):
        """Waits for until() (the agent backs off up to 30 s between
        tries), failing if any job turns failed, lost or cancelled."""
        end = time.monotonic() + 90
        while not until():
            for jid in ids:
                j = self.c.job(self.u, jid)
                self.assertNotIn(j["state"], ("failed", "lost", "cancelled"), j)
            self.assertLess(time.monotonic(), end, "timed out waiting for " + what)
            time.sleep(0.3)

    def test_faults_never_fail_a_job(self):
        # Polls: the job ends while the agent cannot look.
        a = self.c.submit(self.u, command="echo a; sleep 3", center="faulty")["id"]
        self.c.wait_job(self.u, a, states=("running",), timeout=60)
        for m in ("hang", "fail", "garbage"):
            self.mode(m)
            self.watch([a], lambda: self.calls(m) >= 2, "2 calls in mode " + m)
        self.mode("real")
        j = self.c.wait_job(self.u, a, timeout=120)
        self.assertEqual(j["state"], "succeeded", j)
        self.assertEqual(self.c.output(self.u, a), b"a\n")
        # Submits: qsub submits, then prints garbage (the job exists and
        # must be found, not submitted again); later ones wait meanwhile.
        self.mode("qsubjunk")
        b = self.c.submit(self.u, command="echo b", center="faulty")["id"]
        c = self.c.submit(self.u, command="echo c", center="faulty")["id"]
        self.watch([b, c], lambda: self.calls("qsubjunk", "sub") >= 2,
                   "qsub in mode qsubjunk")
        self.mode("real")
        for jid, out in ((b, b"b\n"), (c, b"c\n")):
            j = self.c.wait_job(self.u, jid, timeout=120)
            self.assertEqual(j["state"], "succeeded", j)
            self.assertEqual(self.c.output(self.u, jid), out)
            self.assertEqual(len(sge_jobs_named("hpcnet-" + jid)), 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
