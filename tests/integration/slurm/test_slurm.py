# SPDX-License-Identifier: Apache-2.0
"""The slurm adapter end to end: a real hub and an agent with --adapter slurm
against the single-host cluster of tests/setup/slurm.sh (the CTest fixture
starts it). Output and exit codes, a signal, walltime (TIMEOUT), cancel,
suspend/resume through the hub, a GPU job on the stand-in a100s, and a
fault test: the agent's Slurm commands fail, print garbage or hang while a
job ends, and the job is never failed for it; it converges once the real
commands are back. The adapter's own contracts (a second submit of one hub
job id gives one Slurm job, hold/release, requeue, records of aged-out
jobs) run through the live half of tests/unit/test_slurm_parse.c."""
import os
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from harness import BIN, Cluster, ClusterTest, FINAL, wait_for  # noqa: E402

FAKE_CMDS = ("sbatch", "squeue", "scontrol", "scancel", "sacct")


def slurm_job(jid):
    """scontrol's view of the Slurm job named hpcnet-<hub id>, as a dict."""
    r = subprocess.run(["squeue", "-h", "-t", "all", "--name=hpcnet-" + jid, "-o", "%i"],
                       capture_output=True, text=True, check=True)
    ids = r.stdout.split()
    if not ids:
        return None
    assert len(ids) == 1, "hub job %s is %d Slurm jobs: %s" % (jid, len(ids), ids)
    out = subprocess.run(["scontrol", "show", "job", "-o", ids[0]], capture_output=True,
                         text=True, check=True).stdout
    return dict(w.split("=", 1) for w in out.split() if "=" in w)


class SlurmTest(ClusterTest):
    @classmethod
    def setUpClass(cls):
        if subprocess.run(["scontrol", "ping"], capture_output=True).returncode != 0:
            raise unittest.SkipTest("no Slurm cluster (run tests/setup/slurm.sh start)")
        cls.c = Cluster("slurm").start_hub()
        try:
            # Every Slurm command goes through a wrapper in fake/ that runs
            # the real one unless fake/mode says hang, fail or garbage.
            cls.fake = os.path.join(cls.c.dir, "fake")
            os.makedirs(cls.fake)
            cls.mode("real")
            for cmd in FAKE_CMDS:
                path = os.path.join(cls.fake, cmd)
                with open(path, "w") as f:
                    f.write("#!/bin/sh\ncase \"$(cat %s/mode)\" in\n"
                            "hang) sleep 600 ;;\n"
                            "fail) echo 'slurm_load_jobs error: Unable to contact slurm "
                            "controller (connect failure)' >&2; exit 1 ;;\n"
                            "garbage) echo '<html>502 Bad Gateway</html>'; exit 0 ;;\n"
                            "esac\nexec /usr/bin/%s \"$@\"\n" % (cls.fake, cmd))
                os.chmod(path, 0o755)
            cls.c.start_agent("hpc", cores=16, mem="8G", adapter="slurm",
                              extra=("--gpus", "2"),
                              opts=("bindir=" + cls.fake, "timeout_ms=3000"))
            cls.c.wait_online(["hpc"])
            cls.u = cls.c.create_user("sam")
            # Slurm enforces limits in whole minutes and checks about every
            # 30 s: start the walltime job now, look at it last.
            cls.walltime_job = cls.c.submit(cls.u, name="too-long", walltime_seconds=60,
                                            command="echo started; sleep 600")["id"]
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
        with open(os.path.join(cls.fake, "mode.new"), "w") as f:
            f.write(m)
        os.rename(os.path.join(cls.fake, "mode.new"), os.path.join(cls.fake, "mode"))

    def wait(self, jid, states=FINAL, timeout=90):
        return self.c.wait_job(self.u, jid, states, timeout=timeout)

    def test_output_exit_codes_env_files(self):
        ids = []
        for i in range(6):
            j = self.c.submit(self.u, name="many-%d" % i,
                              command="echo out-%d; echo err-%d >&2; exit %d" % (i, i, i % 3))
            ids.append(j["id"])
        script = ("#!/bin/bash\nset -e\n[[ -n $BASH_VERSION ]] && echo bash\n"
                  "echo id=$HPCNET_JOB_ID cores=$HPCNET_CORES color=$COLOR\n"
                  "cat data/in.txt\npwd\n")
        special = self.c.submit(self.u, name="env", script=script, cores=2,
                                memory_bytes=300 << 20, env={"COLOR": "blue, or 'green'"},
                                files=[{"path": "data/in.txt", "content": "file content\n"}])
        for i, jid in enumerate(ids):
            j = self.wait(jid)
            self.assertEqual(j["state"], "succeeded" if i % 3 == 0 else "failed", j)
            self.assertEqual(j["exit_code"], i % 3, j)
            self.assertEqual(self.c.output(self.u, jid), b"out-%d\n" % i)
            self.assertEqual(self.c.output(self.u, jid, "stderr"), b"err-%d\n" % i)
            self.assertIsNotNone(j["started_at"], j)
            self.assertIsNotNone(j["ended_at"], j)
        j = self.wait(special["id"])
        self.assertEqual(j["state"], "succeeded", j)
        out = self.c.output(self.u, special["id"]).decode().splitlines()
        self.assertEqual(out[0], "bash")
        self.assertEqual(out[1], "id=%s cores=2 color=blue, or 'green'" % special["id"])
        self.assertEqual(out[2], "file content")
        self.assertTrue(out[3].endswith("/slurm/" + special["id"]), out)
        sj = slurm_job(special["id"])
        self.assertEqual(sj["JobName"], "hpcnet-" + special["id"])
        self.assertEqual(sj["NumCPUs"], "2")
        self.assertEqual(sj["MinMemoryNode"], "300M")
        self.assertEqual(sj["Comment"], "hpcnet:" + special["id"])

    def test_killed_by_signal(self):
        j = self.wait(self.c.submit(self.u, command="echo before; kill -9 $$")["id"])
        self.assertEqual(j["state"], "failed", j)
        self.assertEqual(j["signal"], 9, j)
        self.assertIn("signal 9", j["state_reason"], j)

    def test_cancel_running(self):
        jid = self.c.submit(self.u, command="echo up; sleep 300")["id"]
        self.wait(jid, ("running",), timeout=60)
        r = self.c.post("/api/v1/jobs/%s/cancel" % jid, token=self.u)
        self.assertEqual(r.status, 200, r)
        j = self.wait(jid)
        self.assertEqual(j["state"], "cancelled", j)
        self.assertEqual(slurm_job(jid)["JobState"], "CANCELLED")
        self.assertEqual(self.c.output(self.u, jid), b"up\n")

    def test_suspend_resume(self):
        jid = self.c.submit(self.u, command="sleep 300")["id"]
        self.wait(jid, ("running",), timeout=60)
        r = self.c.post("/api/v1/jobs/%s/suspend" % jid, token=self.u)
        if r.status in (404, 405, 409, 501):
            self.skipTest("the hub or agent does not relay suspend yet: %r" % r)
        self.assertEqual(r.status, 200, r)
        self.wait(jid, ("suspended",), timeout=30)
        self.assertEqual(slurm_job(jid)["JobState"], "SUSPENDED")
        r = self.c.post("/api/v1/jobs/%s/resume" % jid, token=self.u)
        self.assertEqual(r.status, 200, r)
        self.wait(jid, ("running",), timeout=30)
        self.assertEqual(slurm_job(jid)["JobState"], "RUNNING")
        self.c.post("/api/v1/jobs/%s/cancel" % jid, token=self.u)
        self.assertEqual(self.wait(jid)["state"], "cancelled")

    def test_gpu_job(self):
        j = self.c.submit(self.u, gpus=1, gpu_model="a100",
                          command="echo CVD=$CUDA_VISIBLE_DEVICES")
        j = self.wait(j["id"])
        self.assertEqual(j["state"], "succeeded", j)
        self.assertEqual(self.c.output(self.u, j["id"]), b"CVD=0\n")
        self.assertEqual(slurm_job(j["id"])["TresPerNode"], "gres:gpu:a100:1")

    def test_adapter_contracts_live(self):
        """Second submit of one id, hold/release, suspend, requeue, records
        of jobs Slurm forgot, faults: the C half (test_slurm_parse, live)."""
        exe = os.path.join(os.path.dirname(BIN), "tests", "test_slurm_parse")
        if not os.path.exists(exe):
            self.skipTest("%s not built" % exe)
        r = subprocess.run([exe], env=dict(os.environ, HPCNET_SLURM_LIVE="1"),
                           capture_output=True, text=True, timeout=600)
        self.assertEqual(r.returncode, 0, r.stdout[-4000:] + r.stderr[-4000:])
        self.assertIn("6 test(s) run", r.stdout)

    def test_faults_never_fail_a_job(self):
        jid = self.c.submit(self.u, command="echo working; sleep 4; echo done")["id"]
        self.wait(jid, ("running",), timeout=60)
        # The job ends in Slurm while the agent cannot look.
        seen = set()
        for m, secs in (("fail", 4), ("garbage", 4), ("hang", 7)):
            self.mode(m)
            end = time.monotonic() + secs
            while time.monotonic() < end:
                seen.add(self.c.job(self.u, jid)["state"])
                time.sleep(0.3)
        self.assertTrue(seen <= {"running"}, seen)
        self.assertEqual(slurm_job(jid)["JobState"], "COMPLETED")
        self.mode("real")
        j = self.wait(jid, timeout=60)
        self.assertEqual(j["state"], "succeeded", j)
        self.assertEqual(self.c.output(self.u, jid), b"working\ndone\n")
        # A submit while sbatch/squeue fail waits; nothing is refused.
        self.mode("fail")
        jid = self.c.submit(self.u, command="echo late")["id"]
        time.sleep(4)
        self.assertNotIn(self.c.job(self.u, jid)["state"], FINAL)
        self.assertIsNone(slurm_job(jid))
        self.mode("real")
        j = self.wait(jid, timeout=90)
        self.assertEqual(j["state"], "succeeded", j)
        self.assertEqual(self.c.output(self.u, jid), b"late\n")

    def test_z_walltime(self):
        j = self.wait(self.walltime_job, timeout=240)
        self.assertEqual(j["state"], "failed", j)
        self.assertIn("walltime exceeded (TIMEOUT)", j["state_reason"], j)
        self.assertEqual(self.c.output(self.u, self.walltime_job)[:8], b"started\n")
        self.assertEqual(slurm_job(self.walltime_job)["JobState"], "TIMEOUT")


if __name__ == "__main__":
    unittest.main(verbosity=2)
