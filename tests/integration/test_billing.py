# SPDX-License-Identifier: Apache-2.0
"""Money end to end: a real hub and agent. Prices set and approved, holds
at submit (402 with the amounts when funds are short), charges from
metered usage at the end, the rest released, cancelled jobs paying only
what ran, idempotent top-ups, invoices and settlement that add up to the
ledger, quotas exactly at the limit and under concurrent submits."""
import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import BIN, FINAL, Cluster, ClusterTest, wait_for  # noqa: E402

# 1 minor unit per core-second: costs are easy to check by hand.
CORE_HOUR = 3600
GRACE_S = 60  # the hub's metering grace beyond the walltime (hub/billing/meter.h)


class MoneyTest(ClusterTest):
    """A class-wide cluster with one agent, alpha; subclasses add to it in
    prepare(). A failing setup shows the daemons' logs and stops them."""
    name, cores = "billing", 4
    hub_args = ()

    @classmethod
    def setUpClass(cls):
        cls.c = Cluster(cls.name, hub_args=cls.hub_args).start_hub()
        try:
            cls.c.start_agent("alpha", cores=cls.cores)
            cls.c.wait_online(["alpha"])
            cls.admin = cls.c.admin_token()
            cls.prepare()
        except Exception:
            cls.c.dump_logs()
            cls.c.stop()
            raise

    @classmethod
    def prepare(cls):
        pass

    @classmethod
    def tearDownClass(cls):
        cls.c.stop()


class BillingTest(MoneyTest):
    @classmethod
    def prepare(cls):
        r = cls.c.post("/api/v1/centers/alpha/prices",
                       {"items": [{"resource": "core_hour", "price": CORE_HOUR}]}, token=cls.admin)
        assert r.status == 201, r
        r = cls.c.post("/api/v1/prices/%s/approve" % r.json["id"], token=cls.admin)
        assert r.status == 200 and r.json["in_force"], r

    def topup(self, name, amount, key=None):
        h = {"Idempotency-Key": key} if key else None
        r = self.c.post("/api/v1/accounts/user:%s/topup" % name, {"amount": amount},
                        token=self.admin, headers=h)
        self.assertIn(r.status, (200, 201), r)
        return r

    def balance(self, token):
        r = self.c.get("/api/v1/accounts/me", token=token)
        self.assertEqual(r.status, 200, r)
        return r.json

    def played_center(self, name):
        """A center the test plays (no agent), at 1 minor unit per
        core-second: (its agent token, its id)."""
        tok, cid = self.c.join_center(name, cores=8)
        r = self.c.post("/api/v1/centers/%s/prices" % name,
                        {"items": [{"resource": "core_hour", "price": CORE_HOUR}]},
                        token=self.admin)
        self.assertEqual(r.status, 201, r)
        r = self.c.post("/api/v1/prices/%s/approve" % r.json["id"], token=self.admin)
        self.assertEqual(r.status, 200, r)
        return tok, cid

    def audit(self):
        r = self.c.get("/api/v1/ledger/audit", token=self.admin)
        self.assertEqual(r.status, 200, r)
        self.assertTrue(r.json["ok"], r.json)

    def usage(self, token, jid):
        r = self.c.get("/api/v1/jobs/%s/usage" % jid, token=token)
        self.assertEqual(r.status, 200, r)
        return r.json

    def test_insufficient_funds_then_hold_charge_release(self):
        u = self.c.create_user("bob")
        job = {"command": "sleep 1", "cores": 1, "walltime_seconds": 60}
        r = self.c.post("/api/v1/jobs", job, token=u)
        self.assertEqual(r.status, 402, r)
        need = 1 * (60 + GRACE_S) * CORE_HOUR // 3600
        self.assertEqual(r.json["needed"], need)
        self.assertEqual(r.json["available"], 0)
        self.assertIn("insufficient funds", r.json["detail"])
        self.assertIn("1.20 CNY", r.json["detail"])
        self.assertEqual(self.c.all_jobs(u), [], "a refused job must not exist")

        self.topup("bob", 1000)
        j = self.c.submit(u, **job)
        b = self.balance(u)
        self.assertEqual((b["balance"], b["held"]), (1000 - need, need))
        j = self.c.wait_job(u, j["id"])
        self.assertEqual(j["state"], "succeeded")
        us = wait_for(lambda: (lambda x: x if x["hold"]["status"] == "charged" else None)(
            self.usage(u, j["id"])), what="the charge")
        core = [x for x in us["items"] if x["resource"] == "core"][0]
        self.assertTrue(core["final"])
        # the agent reports its own figure; on the same clocks it agrees
        self.assertEqual(core["center_qty"], core["hub_qty"])
        self.assertFalse(core["flagged"])
        self.assertGreaterEqual(core["hub_qty"], 1)
        self.assertLessEqual(core["hub_qty"], 3)
        self.assertEqual(core["amount"], core["billed_qty"] * CORE_HOUR // 3600)
        charged = us["hold"]["charged"]
        self.assertEqual(charged, core["amount"])
        b = self.balance(u)
        self.assertEqual((b["balance"], b["held"]), (1000 - charged, 0))
        # the center got the charge less 10 % commission (half up), the platform the rest
        r = self.c.get("/api/v1/accounts/center:alpha", token=self.admin)
        self.assertGreaterEqual(r.json["balance"], charged - (charged + 5) // 10)
        self.audit()

        period = time.strftime("%Y-%m", time.gmtime())
        inv = self.c.get("/api/v1/invoices/" + period, token=u)
        self.assertEqual(inv.status, 200, inv)
        self.assertEqual(inv.json["total"], charged)
        self.assertEqual(sum(l["amount"] for l in inv.json["lines"]), charged)
        csv = self.c.get("/api/v1/invoices/%s?format=csv" % period, token=u)
        self.assertEqual(csv.status, 200)
        self.assertTrue(csv.headers["content-type"].startswith("text/csv"))
        self.assertIn(j["id"].encode(), csv.body)
        lst = self.c.get("/api/v1/invoices", token=u).json["items"]
        self.assertEqual([(i["period"], i["total"]) for i in lst], [(period, charged)])
        # another user sees neither bob's account nor his invoice
        eve = self.c.create_user("eve")
        self.assertEqual(self.c.get("/api/v1/accounts/user:bob", token=eve).status, 404)
        self.assertEqual(self.c.get("/api/v1/invoices?user=bob", token=eve).status, 403)
        self.assertEqual(self.c.post("/api/v1/accounts/user:eve/topup", {"amount": 5},
                                     token=eve).status, 403)

    def test_cancelled_jobs_pay_only_what_ran(self):
        u = self.c.create_user("dan")
        self.topup("dan", 100000)
        j = self.c.submit(u, command="sleep 300", cores=1, walltime_seconds=600)
        self.c.wait_job(u, j["id"], states=("running",))
        time.sleep(2.5)
        r = self.c.post("/api/v1/jobs/%s/cancel" % j["id"], token=u)
        self.assertEqual(r.status, 200, r)
        self.c.wait_job(u, j["id"])
        us = wait_for(lambda: (lambda x: x if x["hold"]["status"] == "charged" else None)(
            self.usage(u, j["id"])), what="the charge")
        hold = 1 * (600 + GRACE_S)
        self.assertEqual(us["hold"]["amount"], hold)
        self.assertGreaterEqual(us["hold"]["charged"], 2)
        self.assertLess(us["hold"]["charged"], 30, "pays what ran, not the walltime")
        b = self.balance(u)
        self.assertEqual((b["balance"], b["held"]), (100000 - us["hold"]["charged"], 0))
        self.audit()

    def test_cancel_before_start_releases_all(self):
        u = self.c.create_user("fay")
        self.topup("fay", 100000)
        self.c.post("/api/v1/centers/alpha/drain", token=self.admin)
        try:
            j = self.c.submit(u, command="true", cores=2, walltime_seconds=100)
            self.assertEqual(self.balance(u)["held"], 2 * (100 + GRACE_S))
            r = self.c.post("/api/v1/jobs/%s/cancel" % j["id"], token=u)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json["state"], "cancelled")
        finally:
            self.c.post("/api/v1/centers/alpha/undrain", token=self.admin)
        b = self.balance(u)
        self.assertEqual((b["balance"], b["held"]), (100000, 0))
        self.assertEqual(self.usage(u, j["id"])["hold"]["charged"], 0)
        self.audit()

    def test_topup_idempotent_and_credit_limit(self):
        u = self.c.create_user("gus")
        self.assertEqual(self.topup("gus", 500, key="k1").status, 201)
        self.assertEqual(self.topup("gus", 500, key="k1").status, 200)
        self.assertEqual(self.balance(u)["balance"], 500)
        r = self.c.post("/api/v1/accounts/user:gus/credit-limit", {"credit_limit": 1000},
                        token=self.admin)
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json["available"], 1500)
        # 1 core x (1200 + 60) s = 1260 <= 1500: on credit
        j = self.c.submit(u, command="true", walltime_seconds=1200)
        self.assertEqual(self.balance(u)["balance"], 500 - 1260)
        r = self.c.post("/api/v1/jobs", {"command": "true", "walltime_seconds": 1200}, token=u)
        self.assertEqual(r.status, 402, r)
        self.assertEqual(r.json["available"], 240)
        self.c.wait_job(u, j["id"])
        r = self.c.post("/api/v1/accounts/user:gus/topup", {"amount": 0}, token=self.admin)
        self.assertEqual(r.status, 422, r)
        r = self.c.post("/api/v1/accounts/user:gus/topup", {"amount": 5, "currency": "USD"},
                        token=self.admin)
        self.assertEqual(r.status, 422, r)
        self.audit()

    def test_correction_is_a_new_transaction(self):
        u = self.c.create_user("cora")
        self.topup("cora", 100)
        fix = {"from": "platform", "to": "user:cora", "amount": 40, "memo": "refund: ticket 7"}
        h = {"Idempotency-Key": "ticket-7"}
        r = self.c.post("/api/v1/ledger/transfers", fix, token=self.admin, headers=h)
        self.assertEqual(r.status, 201, r)
        r = self.c.post("/api/v1/ledger/transfers", fix, token=self.admin, headers=h)
        self.assertEqual((r.status, r.json["replayed"]), (200, True))
        self.assertEqual(self.balance(u)["balance"], 140)
        entries = self.c.get("/api/v1/accounts/user:cora/entries", token=u).json["items"]
        self.assertEqual([(e["kind"], e["amount"], e["memo"]) for e in entries],
                         [("adjustment", 40, "refund: ticket 7"), ("topup", 100, "")])
        r = self.c.post("/api/v1/ledger/transfers", {"from": "user:cora", "to": "platform",
                                                     "amount": 141, "memo": "too much"},
                        token=self.admin)
        self.assertEqual(r.status, 402, r)
        self.assertEqual(self.c.post("/api/v1/ledger/transfers", fix, token=u).status, 403)
        self.audit()

    def test_price_list_validation_and_approval(self):
        bad = self.c.post("/api/v1/centers/alpha/prices",
                          {"items": [{"resource": "core_hour", "price": 1.5},
                                     {"resource": "gpu_hour", "tiers": [{"up_to": 10, "price": 5},
                                                                        {"up_to": 5, "price": 4}]},
                                     {"resource": "disk", "price": 1}]}, token=self.admin)
        self.assertEqual(bad.status, 422, bad)
        self.assertEqual(len(bad.json["errors"]), 3, bad.json)
        u = self.c.create_user("hal")
        r = self.c.post("/api/v1/centers/alpha/prices", {"items": []}, token=u)
        self.assertEqual(r.status, 403)
        lists = self.c.get("/api/v1/centers/alpha/prices", token=u).json["items"]
        self.assertEqual(sum(1 for p in lists if p["in_force"]), 1)
        pid = [p for p in lists if p["in_force"]][0]["id"]
        self.assertEqual(self.c.post("/api/v1/prices/%s/reject" % pid, token=self.admin).status,
                         409)

    def test_center_figures_checked_and_flagged(self):
        """A center (played here by the test) that reports more than the
        job was given is flagged and billed the hub's check; traffic has
        no check and is billed as reported; a re-sent report changes
        nothing."""
        tok, cid = self.c.join_center("gamma", cores=8)
        r = self.c.post("/api/v1/centers/gamma/prices",
                        {"items": [{"resource": "core_hour", "price": CORE_HOUR},
                                   {"resource": "network_gib", "price": 1000}]}, token=self.admin)
        self.c.post("/api/v1/prices/%s/approve" % r.json["id"], token=self.admin)
        u = self.c.create_user("gil")
        self.topup("gil", 10 ** 6)
        j = self.c.submit(u, command="true", cores=2, walltime_seconds=600, center="gamma")
        orders = wait_for(lambda: self.c.get("/api/v1/centers/%s/orders" % cid, token=tok)
                          .json["items"], what="the order")
        self.assertEqual(orders[0]["job_id"], j["id"])
        report = {"job_id": j["id"], "state": "succeeded", "exit_code": 0,
                  "started_at": "2026-12-01T10:00:00Z", "ended_at": "2026-12-01T10:01:40Z",
                  "usage": {"core_seconds": 2000, "net_out_bytes": 2 << 30}}
        for _ in range(2):  # the second is a re-send after a lost answer
            r = self.c.post("/api/v1/centers/%s/reports" % cid, {"items": [report]}, token=tok)
            self.assertEqual(r.status, 200, r)
        us = self.usage(u, j["id"])
        rec = {x["resource"]: x for x in us["items"]}
        self.assertEqual((rec["core"]["center_qty"], rec["core"]["hub_qty"]), (2000, 200))
        self.assertTrue(rec["core"]["flagged"])
        self.assertEqual(rec["core"]["billed_qty"], 200)
        self.assertEqual(rec["net_out"]["billed_qty"], 2 << 30)
        self.assertEqual(rec["net_out"]["amount"], 2000)
        self.assertEqual(us["hold"]["charged"], 200 + 2000)
        self.assertEqual(self.balance(u)["balance"], 10 ** 6 - 2200)
        flagged = self.c.get("/api/v1/usage?by=job&user=gil", token=self.admin).json["items"]
        self.assertIn((j["id"], "core", 1), [(x["key"], x["resource"], x["flagged"])
                                             for x in flagged])
        self.audit()

    def test_requeued_and_preempted_runs_each_charged_once(self):
        """A center (played by the test) requeues a job, then preempts it,
        then runs it to the end: every run is metered and charged once, in
        the one charge at the end, from the hold kept until then; a job
        requeued and then cancelled in its center's queue pays its earlier
        run only."""
        tok, cid = self.played_center("eps")
        u = self.c.create_user("ria")
        self.topup("ria", 10 ** 6)
        a = self.c.submit(u, command="true", cores=2, walltime_seconds=600, center="eps")
        b = self.c.submit(u, command="true", cores=2, walltime_seconds=600, center="eps")
        wait_for(lambda: len(self.c.get("/api/v1/centers/%s/orders" % cid, token=tok)
                             .json["items"]) == 2, what="the orders")

        def report(jid, state, **kw):
            item = {"job_id": jid, "state": state}
            item.update({k: "2026-12-01T" + v + "Z" for k, v in kw.items()})
            r = self.c.post("/api/v1/centers/%s/reports" % cid, {"items": [item]}, token=tok)
            self.assertEqual(r.status, 200, r)
            self.assertEqual(r.json["results"][0]["result"], "applied", (item, r.json))

        report(a["id"], "running", started_at="10:00:00")
        report(a["id"], "pending", ended_at="10:01:40")      # requeued after 100 s
        report(a["id"], "running", started_at="10:05:00")
        report(a["id"], "preempted", ended_at="10:05:30")    # preempted after 30 s
        report(a["id"], "running", started_at="10:07:00")
        report(a["id"], "succeeded", ended_at="10:08:00")    # ran to the end in 60 s
        report(b["id"], "running", started_at="11:00:00")
        report(b["id"], "pending", ended_at="11:00:50")      # requeued after 50 s
        report(b["id"], "cancelled")                         # cancelled in the queue

        us = self.usage(u, a["id"])
        self.assertEqual([x["ended_at"] for x in us["earlier_runs"]],
                         ["2026-12-01T10:01:40.000Z", "2026-12-01T10:05:30.000Z"])
        core = {x["resource"]: x for x in us["items"]}["core"]
        self.assertEqual((core["hub_qty"], core["billed_qty"]), (2 * 190, 2 * 190))
        self.assertEqual((us["hold"]["amount"], us["hold"]["charged"]), (2 * 660, 2 * 190))
        us = self.usage(u, b["id"])
        self.assertEqual(len(us["earlier_runs"]), 1)
        self.assertEqual(us["hold"]["charged"], 2 * 50)
        self.assertEqual(self.balance(u)["balance"], 10 ** 6 - 2 * 190 - 2 * 50)
        for jid in (a["id"], b["id"]):
            n = self.c.sql("SELECT COUNT(*) FROM ledger_transactions WHERE job_id = ?"
                           " AND kind = 'charge'", (jid,))[0][0]
            self.assertEqual(n, 1, "one charge per job, whatever its runs")
        self.audit()

    def test_traffic_past_the_credit_limit_is_uncollected(self):
        tok, cid = self.c.join_center("delta", cores=8)
        r = self.c.post("/api/v1/centers/delta/prices",
                        {"items": [{"resource": "network_gib", "price": 1000}]}, token=self.admin)
        self.c.post("/api/v1/prices/%s/approve" % r.json["id"], token=self.admin)
        u = self.c.create_user("una")
        self.topup("una", 300)
        j = self.c.submit(u, command="true", walltime_seconds=600, center="delta")
        wait_for(lambda: self.c.get("/api/v1/centers/%s/orders" % cid, token=tok).json["items"],
                 what="the order")
        r = self.c.post("/api/v1/centers/%s/reports" % cid, {"items": [{
            "job_id": j["id"], "state": "succeeded", "exit_code": 0,
            "started_at": "2026-12-01T10:00:00Z", "ended_at": "2026-12-01T10:00:10Z",
            "usage": {"net_out_bytes": 1 << 30}}]}, token=tok)
        self.assertEqual(r.status, 200, r)
        hold = self.usage(u, j["id"])["hold"]
        # 1 GiB out costs 10.00; una had 3.00 and no credit: 3.00 taken, 7.00 not
        self.assertEqual((hold["cost"], hold["charged"]), (1000, 300))
        self.assertEqual(self.balance(u)["balance"], 0)
        inv = self.c.get("/api/v1/invoices/2026-12", token=u).json
        self.assertEqual((inv["total"], inv["uncollected"]), (1000, 700))
        csv = self.c.get("/api/v1/invoices/2026-12?format=csv", token=u).body.decode()
        self.assertIn(",uncollected,,,,,,7.00,CNY,", csv)
        self.audit()

    def test_soft_quota_makes_jobs_wait(self):
        u = self.c.create_user("sol")
        self.topup("sol", 10 ** 6)
        r = self.c.post("/api/v1/quotas", {"scope": "user:sol", "resource": "concurrent_jobs",
                                           "limit": 1, "soft": True}, token=self.admin)
        self.assertEqual(r.status, 200, r)
        # a soft quota never refuses: all three are accepted ...
        ids = [self.c.submit(u, command="sleep 1.5", walltime_seconds=60)["id"] for _ in range(3)]
        # ... but only one is at a center at a time; the others say why they wait
        waiting = wait_for(lambda: [j for j in self.c.all_jobs(u) if j["state"] == "queued"
                                    and j["state_reason"].startswith("waiting: soft quota")],
                           what="a job held back by the soft quota")
        self.assertIn("concurrent_jobs of user sol", waiting[0]["state_reason"])
        seen_two = False

        def all_done():
            nonlocal seen_two
            jobs = [j for j in self.c.all_jobs(u) if j["id"] in ids]
            placed = [j for j in jobs if j["state"] in ("dispatched", "pending", "running")]
            seen_two |= len(placed) > 1
            return all(j["state"] in FINAL for j in jobs)
        wait_for(all_done, timeout=60, interval=0.1, what="the three jobs, one after another")
        self.assertFalse(seen_two, "two jobs ran at once past a soft limit of 1")
        q = self.c.get("/api/v1/quotas", token=u).json["items"]
        self.assertEqual([(x["resource"], x["soft"]) for x in q], [("concurrent_jobs", True)])

    def test_lost_then_reported_ended_is_charged_late_once(self):
        """A job given up as lost is settled for nothing; when its center
        reports it ended after all, what it used is charged then (from the
        balance: the hold went back), once, whatever re-sends."""
        tok, cid = self.played_center("eta")
        u = self.c.create_user("lou")
        self.topup("lou", 10 ** 5)
        j = self.c.submit(u, command="true", cores=2, walltime_seconds=600, center="eta")
        wait_for(lambda: self.c.get("/api/v1/centers/%s/orders" % cid, token=tok).json["items"],
                 what="the order")

        def report(**item):
            item["job_id"] = j["id"]
            r = self.c.post("/api/v1/centers/%s/reports" % cid, {"items": [item]}, token=tok)
            self.assertEqual(r.status, 200, r)

        report(state="running", started_at="2026-12-01T10:00:00Z")
        report(state="lost")
        self.assertEqual(self.usage(u, j["id"])["hold"]["charged"], 0)
        self.assertEqual(self.balance(u)["balance"], 10 ** 5)
        for _ in range(2):  # the second is a re-send
            report(state="succeeded", exit_code=0, started_at="2026-12-01T10:00:00Z",
                   ended_at="2026-12-01T10:01:40Z")
        hold = self.usage(u, j["id"])["hold"]
        self.assertEqual((hold["cost"], hold["charged"]), (200, 200))
        self.assertEqual(self.balance(u)["balance"], 10 ** 5 - 200)
        keys = [k for (k,) in self.c.sql("SELECT idempotency_key FROM ledger_transactions"
                                         " WHERE job_id = ? ORDER BY created_at", (j["id"],))]
        self.assertEqual(keys, ["hold:" + j["id"], "charge:" + j["id"],
                                "charge:%s:late" % j["id"]])
        self.audit()

    def test_storage_quota_at_submit_and_on_output(self):
        """storage_bytes counts what the hub keeps (scripts, files, output):
        a submit past it is refused with a 409 naming the quota, the bytes
        used and the limit; output a running job ships past it is still
        stored, the job says so once, and new submits are refused."""
        tok, cid = self.c.join_center("zeta", cores=8)
        u = self.c.create_user("sto")
        r = self.c.post("/api/v1/quotas", {"scope": "user:sto", "resource": "storage_bytes",
                                           "limit": 4000}, token=self.admin)
        self.assertEqual(r.status, 200, r)
        j = self.c.submit(u, command="true", walltime_seconds=60, center="zeta")
        kept = len("#!/bin/sh\ntrue\n") + len("[]")  # its script and (no) files
        q = [x for x in self.c.get("/api/v1/quotas", token=u).json["items"]
             if x["resource"] == "storage_bytes"][0]
        self.assertEqual((q["used"], q["limit"], q["unit"]), (kept, 4000, "bytes"))
        r = self.c.post("/api/v1/jobs", {"command": "x" * 5000, "walltime_seconds": 60,
                                         "center": "zeta"}, token=u)
        self.assertEqual(r.status, 409, r)
        self.assertEqual((r.json["quota"], r.json["limit"]), ("storage_bytes", 4000))
        self.assertIn("storage_bytes of user sto", r.json["detail"])
        self.assertIn("%d used" % kept, r.json["detail"])

        wait_for(lambda: self.c.get("/api/v1/centers/%s/orders" % cid, token=tok).json["items"],
                 what="the order")
        for off in (0, 3000):  # the second chunk takes the owner past the limit
            r = self.c.request("POST", "/api/v1/jobs/%s/stdout?offset=%d" % (j["id"], off),
                               raw=b"o" * 3000, token=tok, ctype="application/octet-stream")
            self.assertEqual((r.status, r.json["length"]), (200, off + 3000), r)
        out = self.c.get("/api/v1/jobs/%s/stdout" % j["id"], token=u).body
        self.assertEqual(len(out), 6000, "output past the quota must be kept")
        ev = [e for e in self.c.get("/api/v1/jobs/%s" % j["id"], token=u).json["events"]
              if e["state"] == "storage_over_quota"]
        self.assertEqual(len(ev), 1, ev)
        self.assertIn("4000 bytes, %d stored" % (kept + 6000), ev[0]["detail"])
        r = self.c.post("/api/v1/jobs", {"command": "true", "walltime_seconds": 60,
                                         "center": "zeta"}, token=u)
        self.assertEqual(r.status, 409, r)
        self.assertEqual(r.json["quota"], "storage_bytes")
        # raised: submits work again
        r = self.c.post("/api/v1/quotas", {"scope": "user:sto", "resource": "storage_bytes",
                                           "limit": 100000}, token=self.admin)
        self.assertEqual(r.status, 200, r)
        self.c.submit(u, command="true", walltime_seconds=60, center="zeta")

    def test_storage_days_metered(self):
        """The billing sweep meters what the hub keeps per user and day
        (the arithmetic and the daily charge: tests/unit/test_storage.c);
        each sees their own, admins anyone's."""
        u = self.c.create_user("sdy")
        self.topup("sdy", 10 ** 4)
        self.c.submit(u, command="true", walltime_seconds=60)
        today = time.strftime("%Y-%m-%d", time.gmtime())
        items = wait_for(lambda: self.c.get("/api/v1/usage?by=storage", token=u).json["items"],
                         timeout=40, what="the first storage sweep")
        self.assertEqual([(x["day"], x["final"], x["unit"]) for x in items],
                         [(today, False, "byte-seconds")])
        r = self.c.get("/api/v1/usage?by=storage&user=sdy", token=self.admin)
        self.assertEqual([x["day"] for x in r.json["items"]], [today])
        self.assertEqual(r.json["price_per_gib_day"], 0)
        other = self.c.create_user("sdz")
        self.assertEqual(self.c.get("/api/v1/usage?by=storage&user=sdy", token=other).status, 403)
        self.assertEqual(self.c.get("/api/v1/usage?by=storage&since=%s" % today.replace("-", "")
                                    , token=u).status, 400)

    def test_settlement_matches_ledger(self):
        period = time.strftime("%Y-%m", time.gmtime())
        r = self.c.get("/api/v1/settlements/" + period, token=self.admin)
        self.assertEqual(r.status, 200, r)
        rows = {c["center"]: c for c in r.json["centers"]}
        if "alpha" not in rows:  # runs alone: charge something first
            u = self.c.create_user("sam")
            self.topup("sam", 1000)
            self.c.wait_job(u, self.c.submit(u, command="sleep 1.5", walltime_seconds=60)["id"])
            wait_for(lambda: self.c.get("/api/v1/accounts/center:alpha", token=self.admin)
                     .json["balance"] > 0, what="a charge")
            return self.test_settlement_matches_ledger()
        def charged_to(account):  # what charges (not corrections) brought it
            e = self.c.get("/api/v1/accounts/%s/entries?limit=1000" % account,
                           token=self.admin).json["items"]
            return sum(x["amount"] for x in e if x["kind"] == "charge" and x["period"] == period)
        self.assertEqual(rows["alpha"]["net"], charged_to("center:alpha"))
        self.assertEqual(r.json["platform_commission"], charged_to("platform"))
        self.assertEqual(rows["alpha"]["earned"],
                         rows["alpha"]["net"] + rows["alpha"]["platform_commission"])
        self.assertGreater(rows["alpha"]["earned"], 0)
        self.assertEqual(r.json["merchant_share"], 0)
        csv = self.c.get("/api/v1/settlements/%s?format=csv" % period, token=self.admin)
        self.assertTrue(csv.body.startswith(b"period,center,jobs,earned"))
        u = self.c.create_user("ivy")
        self.assertEqual(self.c.get("/api/v1/settlements/" + period, token=u).status, 403)


class QuotaTest(MoneyTest):
    name, cores = "quota", 1

    def set_quota(self, **q):
        r = self.c.post("/api/v1/quotas", q, token=self.admin)
        self.assertEqual(r.status, 200, r)

    def test_exactly_at_the_limit(self):
        u = self.c.create_user("jan")
        self.set_quota(scope="user:jan", resource="core_hours", limit=1)
        # two jobs of 1 core x 1800 s are exactly one core-hour: both accepted
        j = self.c.submit(u, command="sleep 60", cores=1, walltime_seconds=1800)
        j2 = self.c.submit(u, command="sleep 60", cores=1, walltime_seconds=1800)
        r = self.c.post("/api/v1/jobs", {"command": "true", "walltime_seconds": 1}, token=u)
        self.assertEqual(r.status, 409, r)
        self.assertIn("quota exceeded: core_hours", r.json["detail"])
        self.assertIn("0 left", r.json["detail"])
        self.assertEqual((r.json["quota"], r.json["left"]), ("core_hours", 0))
        q = self.c.get("/api/v1/quotas", token=u).json["items"]
        self.assertEqual([(x["resource"], x["limit"], x["reserved"], x["left"]) for x in q],
                         [("core_hours", 1, 1, 0)])
        # ?all=1 lists the same quota in the same shape, less the use
        every = self.c.get("/api/v1/quotas?all=1", token=self.admin).json["items"]
        same = [x for x in every if x["id"] == q[0]["id"]]
        self.assertEqual(len(same), 1, every)
        use = ("used", "reserved", "left", "unit")
        self.assertEqual(same[0], {k: v for k, v in q[0].items() if k not in use})
        self.assertEqual((same[0]["scope"], same[0]["scope_name"]), ("user", "jan"))
        self.assertRegex(same[0]["updated_at"], r"^\d{4}-\d\d-\d\dT")
        for x in (j, j2):
            self.c.post("/api/v1/jobs/%s/cancel" % x["id"], token=u)

    def test_concurrent_submits_never_exceed(self):
        u = self.c.create_user("kim")
        self.set_quota(scope="user:kim", resource="core_hours", limit=1)
        self.set_quota(scope="user:kim", resource="concurrent_jobs", limit=100)
        results = []

        def submit():
            r = self.c.post("/api/v1/jobs", {"command": "sleep 120", "walltime_seconds": 600},
                            token=u)
            results.append(r.status)
        threads = [threading.Thread(target=submit) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        # 3600 core-seconds / 600 per job: exactly six fit
        self.assertEqual(sorted(results), [201] * 6 + [409] * 10, results)
        active = [j for j in self.c.all_jobs(u) if j["state"] not in FINAL]
        self.assertEqual(len(active), 6)
        for j in active:
            self.c.post("/api/v1/jobs/%s/cancel" % j["id"], token=u)

    def test_concurrent_jobs_quota_and_role_default(self):
        u = self.c.create_user("lee")
        self.set_quota(scope="role:user", resource="concurrent_jobs", limit=2)
        try:
            a = self.c.submit(u, command="sleep 60")
            b = self.c.submit(u, command="sleep 60")
            r = self.c.post("/api/v1/jobs", {"command": "true"}, token=u)
            self.assertEqual(r.status, 409, r)
            self.assertIn("concurrent_jobs", r.json["detail"])
            self.c.post("/api/v1/jobs/%s/cancel" % a["id"], token=u)
            self.c.wait_job(u, a["id"])
            self.c.submit(u, command="true")
            self.c.post("/api/v1/jobs/%s/cancel" % b["id"], token=u)
        finally:
            q = self.c.get("/api/v1/quotas?all=1", token=self.admin).json["items"]
            for x in q:
                if x["scope"] == "role":
                    self.assertEqual(self.c.request("DELETE", "/api/v1/quotas/" + x["id"],
                                                    token=self.admin).status, 200)


class OrgBillingTest(MoneyTest):
    """Organizations pay for their projects' jobs; a center's operator sets
    its prices and a platform admin approves them; org admins see their
    org's money and set its projects' quotas."""

    name = "billing-org"

    @classmethod
    def prepare(cls):
        c = cls.c
        cls.ann, cls.bea, cls.otto = (c.create_user(n) for n in ("ann", "bea", "otto"))
        assert c.post("/api/v1/orgs", {"name": "uni", "admin": "ann"}, token=cls.admin).status == 201
        assert c.post("/api/v1/orgs/uni/members", {"user": "bea"}, token=cls.ann).status == 200
        assert c.post("/api/v1/projects", {"org": "uni", "name": "physics"},
                      token=cls.ann).status == 201
        assert c.post("/api/v1/roles", {"user": "otto", "role": "center_operator",
                                        "center": "alpha"}, token=cls.admin).status in (200, 201)

    def test_operator_prices_org_pays_org_admin_sees(self):
        c = self.c
        prices = {"items": [{"resource": "core_hour", "price": CORE_HOUR}]}
        self.assertEqual(c.post("/api/v1/centers/alpha/prices", prices, token=self.bea).status, 403)
        r = c.post("/api/v1/centers/alpha/prices", prices, token=self.otto)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(c.post("/api/v1/prices/%s/approve" % r.json["id"], token=self.otto).status,
                         403)
        self.assertEqual(c.post("/api/v1/prices/%s/approve" % r.json["id"],
                                token=self.admin).status, 200)
        r = c.post("/api/v1/accounts/org:uni/topup", {"amount": 100000}, token=self.admin)
        self.assertEqual(r.status, 201, r)

        r = c.post("/api/v1/jobs", {"command": "true", "walltime_seconds": 60}, token=self.bea)
        self.assertEqual(r.status, 402, r)  # personal: bea has nothing
        self.assertIn("available to you", r.json["detail"])
        j = c.submit(self.bea, project="uni/physics", command="sleep 1", walltime_seconds=60)
        org = c.get("/api/v1/accounts/org:uni", token=self.ann).json
        self.assertEqual((org["balance"], org["held"]), (100000 - 120, 120))
        c.wait_job(self.bea, j["id"])
        hold = wait_for(lambda: (lambda h: h if h["status"] == "charged" else None)(
            c.get("/api/v1/jobs/%s/usage" % j["id"], token=self.bea).json["hold"]),
            what="the charge")
        org = c.get("/api/v1/accounts/org:uni", token=self.ann).json
        self.assertEqual((org["balance"], org["held"]), (100000 - hold["charged"], 0))
        self.assertEqual(c.get("/api/v1/accounts/me", token=self.bea).json["balance"], 0)
        # the org's money: its admin and platform admins, not its members
        self.assertEqual(c.get("/api/v1/accounts/org:uni", token=self.bea).status, 404)
        period = time.strftime("%Y-%m", time.gmtime())
        inv = c.get("/api/v1/invoices/%s?org=uni" % period, token=self.ann)
        self.assertEqual(inv.status, 200, inv)
        self.assertEqual((inv.json["payer"]["kind"], inv.json["total"]), ("org", hold["charged"]))
        self.assertEqual(c.get("/api/v1/invoices/%s?org=uni" % period, token=self.bea).status, 404)
        u = c.get("/api/v1/usage?org=uni&by=project", token=self.ann).json["items"]
        self.assertEqual({x["key"] for x in u}, {"uni/physics"})

    def test_project_quota_by_org_admin(self):
        c = self.c
        c.post("/api/v1/accounts/org:uni/topup", {"amount": 10 ** 7}, token=self.admin)
        q = {"scope": "project:uni/physics", "resource": "concurrent_jobs", "limit": 1}
        self.assertEqual(c.post("/api/v1/quotas", q, token=self.bea).status, 403)
        self.assertEqual(c.post("/api/v1/quotas", dict(q, scope="user:bea"),
                                token=self.ann).status, 403)
        self.assertEqual(c.post("/api/v1/quotas", q, token=self.ann).status, 200)
        try:
            a = c.submit(self.bea, project="uni/physics", command="sleep 30", walltime_seconds=60)
            r = c.post("/api/v1/jobs", {"command": "true", "project": "uni/physics",
                                        "walltime_seconds": 60}, token=self.bea)
            self.assertEqual(r.status, 409, r)
            self.assertIn("of project uni/physics", r.json["detail"])
            mine = c.get("/api/v1/quotas", token=self.bea).json["items"]
            self.assertIn(("project", "uni/physics", 1, 1),
                          [(x["scope"], x["scope_name"], x["limit"], x["reserved"]) for x in mine])
            c.post("/api/v1/jobs/%s/cancel" % a["id"], token=self.bea)
        finally:
            for x in c.get("/api/v1/quotas?all=1", token=self.admin).json["items"]:
                self.assertEqual(c.request("DELETE", "/api/v1/quotas/" + x["id"],
                                           token=self.ann).status, 200)


class OrgStorageTest(MoneyTest):
    """What the hub keeps for a project's jobs is the project's org's:
    metered and charged to it (not to the member who ran them), counted in
    its storage quota, and listed on its invoice as storage lines that add
    up with the rest to the total (JSON and CSV)."""

    name, cores = "billing-storage", 1
    hub_args = ("--storage-price", "200")  # 2.00 a GiB-day

    @classmethod
    def prepare(cls):
        c = cls.c
        cls.ann, cls.bea = (c.create_user(n) for n in ("ann", "bea"))
        assert c.post("/api/v1/orgs", {"name": "lab", "admin": "ann"}, token=cls.admin).status == 201
        assert c.post("/api/v1/orgs/lab/members", {"user": "bea"}, token=cls.ann).status == 200
        assert c.post("/api/v1/projects", {"org": "lab", "name": "chem"},
                      token=cls.ann).status == 201

    def test_org_pays_project_storage(self):
        c = self.c
        self.assertEqual(c.post("/api/v1/accounts/org:lab/topup", {"amount": 10 ** 6},
                                token=self.admin).status, 201)
        j = c.submit(self.bea, project="lab/chem", command="true", walltime_seconds=60)
        c.wait_job(self.bea, j["id"])
        today = time.strftime("%Y-%m-%d", time.gmtime())
        items = wait_for(lambda: c.get("/api/v1/usage?by=storage&org=lab",
                                       token=self.ann).json["items"],
                         timeout=40, what="the org's first storage sweep")
        self.assertEqual([(x["day"], x["final"]) for x in items], [(today, False)])
        # the member who ran the job pays nothing for its bytes, and does
        # not see the org's
        self.assertEqual(c.get("/api/v1/usage?by=storage", token=self.bea).json["items"], [])
        self.assertEqual(c.get("/api/v1/usage?by=storage&org=lab", token=self.bea).status, 404)

        # the org's storage quota counts them
        r = c.post("/api/v1/quotas", {"scope": "org:lab", "resource": "storage_bytes",
                                      "limit": 1}, token=self.admin)
        self.assertEqual(r.status, 200, r)
        r = c.post("/api/v1/jobs", {"command": "true", "walltime_seconds": 60,
                                    "project": "lab/chem"}, token=self.bea)
        self.assertEqual((r.status, r.json.get("quota")), (409, "storage_bytes"), r)
        self.assertIn("storage_bytes of org lab", r.json["detail"])
        self.assertEqual(c.request("DELETE", "/api/v1/quotas/" + [
            q for q in c.get("/api/v1/quotas?all=1", token=self.admin).json["items"]
            if q["resource"] == "storage_bytes"][0]["id"], token=self.admin).status, 200)

        # The day is over (made so: it becomes yesterday, holding 1.5 GiB-days):
        # the next sweep charges it to the org, 1.5 x 2.00
        org_id = c.sql("SELECT id FROM orgs WHERE name = 'lab'")[0][0]
        yday = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 86400))
        bs = 3 * (1 << 30) * 86400 // 2
        c.sql("UPDATE storage_days SET day = ?, byte_seconds = ? WHERE payer_kind = 'org'"
              " AND payer_id = ?", (yday, bs, org_id))
        period = yday[:7]
        inv = wait_for(lambda: (lambda v: v if v["lines"] else None)(
            c.get("/api/v1/invoices/%s?org=lab" % period, token=self.ann).json),
            timeout=40, what="the storage day charged")
        st = [x for x in inv["lines"] if x["resource"] == "hub_storage"]
        self.assertEqual([(x["quantity"], x["unit"], x["gib_days"], x["unit_price"], x["days"],
                           x["amount"], x["job_id"]) for x in st],
                         [(bs, "byte-seconds", "1.500000", 200, 1, 300, None)])
        self.assertEqual(sum(x["amount"] for x in inv["lines"]), inv["total"])
        self.assertGreaterEqual(inv["total"], 300)
        self.assertEqual(c.get("/api/v1/accounts/org:lab", token=self.ann).json["balance"],
                         10 ** 6 - inv["total"])
        self.assertEqual(c.get("/api/v1/accounts/me", token=self.bea).json["balance"], 0)
        lst = c.get("/api/v1/invoices?org=lab", token=self.ann).json["items"]
        self.assertIn((period, inv["total"]), [(x["period"], x["total"]) for x in lst])

        body = c.get("/api/v1/invoices/%s?format=csv&org=lab" % period, token=self.ann).body
        rows = list(csv.reader(io.StringIO(body.decode())))
        head = rows[0]
        self.assertEqual(head[-2:], ["gib_days", "unit_price"])
        lines = [dict(zip(head, r)) for r in rows[1:] if r[2] not in ("total", "uncollected")]
        total = [dict(zip(head, r)) for r in rows[1:] if r[2] == "total"][0]
        cents = lambda v: int(round(float(v) * 100))  # noqa: E731
        self.assertEqual(sum(cents(x["amount"]) for x in lines), cents(total["amount"]))
        self.assertIn(("hub_storage", str(bs), "3.00", "1.500000", "2.00"),
                      [(x["resource"], x["quantity"], x["amount"], x["gib_days"],
                        x["unit_price"]) for x in lines])


class MoneyCliTest(MoneyTest):
    """The money verbs of the CLI against a real hub: amounts parsed and
    printed without floats, JSON and CSV, exit codes."""

    name, cores = "billing-cli", 2

    @classmethod
    def prepare(cls):
        cls.u = cls.c.create_user("ola")
        cls.tmp = tempfile.mkdtemp(prefix="billing-cli-")

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        subprocess.run(["rm", "-rf", cls.tmp], check=False)

    def cli(self, token, *args, stdin=None):
        env = {"HOME": self.tmp, "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
               "HPCNET_HUB": self.c.url, "HPCNET_TOKEN": token}
        return subprocess.run([BIN] + list(args), capture_output=True, env=env, timeout=60,
                              input=stdin)

    def test_money_verbs(self):
        admin = self.c.admin_token()
        items = json.dumps([{"resource": "core_hour", "price": 36000}]).encode()
        r = self.cli(admin, "prices", "set", "alpha", "-", stdin=items)
        self.assertEqual(r.returncode, 0, r.stderr)
        pid = r.stdout.split()[5].decode()  # first cell of the table's first row
        self.assertTrue(pid.startswith("prl_"), r.stdout)
        self.assertEqual(self.cli(self.u, "prices", "approve", pid).returncode, 3)
        self.assertEqual(self.cli(admin, "prices", "approve", pid).returncode, 0)
        self.assertIn(b"approved *", self.cli(self.u, "prices", "alpha").stdout)

        r = self.cli(admin, "accounts", "topup", "user:ola", "12.5", "--key", "once")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.cli(admin, "accounts", "topup", "user:ola", "12.5", "--key", "once")
        self.assertEqual(self.cli(admin, "accounts", "topup", "user:ola", "1.234").returncode, 2)
        self.assertEqual(self.cli(admin, "accounts", "topup", "user:ola", "-5").returncode, 2)
        self.assertEqual(self.cli(self.u, "accounts", "topup", "user:ola", "5").returncode, 3)
        b = json.loads(self.cli(self.u, "balance", "--json").stdout)
        self.assertEqual(b["balance"], 1250)
        self.assertIn(b"12.50 CNY", self.cli(self.u, "balance").stdout)

        # 1 core x (60 + 60) s at 10 cents per core-second = 12.00 of 12.50
        r = self.cli(self.u, "submit", "--wait", "--time", "60s", "--wrap", "sleep 1")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.cli(self.u, "submit", "--time", "120s", "--wrap", "true")
        self.assertEqual(r.returncode, 1)
        self.assertIn(b"insufficient funds", r.stderr)
        wait_for(lambda: json.loads(self.cli(self.u, "invoices", "--json").stdout)["items"],
                 what="an invoice")
        period = time.strftime("%Y-%m", time.gmtime())
        inv = json.loads(self.cli(self.u, "invoices", period, "--json").stdout)
        self.assertGreater(inv["total"], 0)
        csv = self.cli(self.u, "invoices", period, "--csv").stdout.decode()
        self.assertTrue(csv.startswith("period,payer,job_id"), csv)
        self.assertIn(",total,", csv)
        use = json.loads(self.cli(self.u, "usage", "--by", "day", "--json").stdout)
        self.assertEqual(sum(i["amount"] for i in use["items"]), inv["total"])
        self.assertIn(b"alpha", self.cli(self.u, "usage").stdout)
        self.assertEqual(self.cli(self.u, "usage", "--by", "color").returncode, 1)

        self.assertEqual(self.cli(admin, "quota", "set", "user:ola", "concurrent_jobs", "3")
                         .returncode, 0)
        q = self.cli(self.u, "quota").stdout
        self.assertIn(b"concurrent_jobs", q)
        s = self.cli(admin, "settlement", period).stdout
        self.assertIn(b"alpha", s)
        self.assertIn(b"commission 10.00 %", s)
        self.assertEqual(self.cli(self.u, "settlement", period).returncode, 3)
        p = self.cli(admin, "settlement", period, "--payout")
        self.assertIn(b"(paid)", p.stdout, p)
        self.assertIn(b"(paid before)", self.cli(admin, "settlement", period, "--payout").stdout)


class ChargeCrashTest(ClusterTest):
    """kill -9 of the hub while it charges many jobs: after restarts every
    job is charged exactly once and the books balance to the minor unit."""

    def setUp(self):
        type(self).c = self.c = Cluster("billing-crash", center_ttl=5).start_hub()
        self.c.start_agent("alpha", cores=8)
        self.c.wait_online(["alpha"])
        admin = self.c.admin_token()
        r = self.c.post("/api/v1/centers/alpha/prices",
                        {"items": [{"resource": "core_hour", "price": 360000}]}, token=admin)
        self.assertEqual(r.status, 201, r)
        self.assertEqual(self.c.post("/api/v1/prices/%s/approve" % r.json["id"],
                                     token=admin).status, 200)
        self.u = self.c.create_user("mia")
        r = self.c.post("/api/v1/accounts/user:mia/topup", {"amount": 10 ** 9}, token=admin)
        self.assertEqual(r.status, 201, r)

    def tearDown(self):
        self.c.stop()

    def test_hub_kill9_while_charging_200_jobs(self):
        ids = [self.c.submit(self.u, name="c%d" % i, command="sleep 0.%d" % (3 + i % 5),
                             walltime_seconds=60)["id"] for i in range(200)]
        for _ in range(3):
            wait_for(lambda: self.c.sql("SELECT COUNT(*) FROM holds WHERE status = 'charged'")
                     [0][0] >= 10, timeout=60, what="charges under way")
            time.sleep(0.3)
            self.c.kill_hub()
            self.c.start_hub()
        wait_for(lambda: self.c.sql("SELECT COUNT(*) FROM holds WHERE status = 'charged'")[0][0]
                 == 200, timeout=240, interval=0.5, what="all 200 jobs charged")
        jobs = {j["id"]: j for j in self.c.all_jobs(self.u)}
        self.assertTrue(all(jobs[i]["state"] == "succeeded" for i in ids))
        per_job = dict(self.c.sql("SELECT job_id, COUNT(*) FROM ledger_transactions"
                                  " WHERE idempotency_key LIKE 'charge:%' GROUP BY job_id"))
        self.assertEqual(set(per_job), set(ids))
        self.assertEqual(set(per_job.values()), {1}, "a job charged twice")
        holds = dict(self.c.sql("SELECT job_id, charged FROM holds"))
        total = sum(holds.values())
        self.assertGreater(total, 200 * 20, "the jobs really cost something")
        b = self.c.get("/api/v1/accounts/me", token=self.u).json
        self.assertEqual((b["balance"], b["held"]), (10 ** 9 - total, 0))
        earned = self.c.sql("SELECT SUM(e.amount) FROM ledger_entries e JOIN accounts a"
                            " ON a.id = e.account_id WHERE a.owner_kind IN ('center', 'platform')")
        self.assertEqual(earned[0][0], total)
        audit = self.c.get("/api/v1/ledger/audit", token=self.c.admin_token()).json
        self.assertTrue(audit["ok"], audit)


class CurrencyTest(ClusterTest):
    """The default currency is CNY (the platform's users are Chinese
    universities and institutes); --currency keeps it configurable, and
    every figure comes with the hub's code."""

    def test_default_cny_and_configured_eur(self):
        for hub_args, cur in (((), "CNY"), (("--currency", "EUR"), "EUR")):
            type(self).c = c = Cluster("billing-cur", hub_args=hub_args).start_hub()
            try:
                admin = c.admin_token()
                u = c.create_user("cui")
                r = c.post("/api/v1/accounts/user:cui/topup", {"amount": 1234}, token=admin)
                self.assertEqual(r.status, 201, r)
                b = c.get("/api/v1/accounts/me", token=u).json
                self.assertEqual((b["balance"], b["currency"]), (1234, cur))
                other = "USD" if cur != "USD" else "CNY"
                r = c.post("/api/v1/accounts/user:cui/topup", {"amount": 5, "currency": other},
                           token=admin)
                self.assertEqual(r.status // 100, 4, "a top-up in another currency: %s" % r)
                with tempfile.TemporaryDirectory() as home:
                    env = {"HOME": home, "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                           "HPCNET_HUB": c.url, "HPCNET_TOKEN": u}
                    out = subprocess.run([BIN, "balance"], capture_output=True, env=env,
                                         timeout=60).stdout
                self.assertIn(("12.34 %s" % cur).encode(), out)
            finally:
                c.stop()


if __name__ == "__main__":
    unittest.main(verbosity=2)
