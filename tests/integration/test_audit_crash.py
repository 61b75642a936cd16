# SPDX-License-Identifier: Apache-2.0
"""Audit rows are committed with the changes they record: kill -9 of the
hub while many clients submit jobs and create orgs, then every
acknowledged change has its row (with the answer it got), every change
found in the database has its row (none was kept without one, acknowledged
or not), and the hash chain verifies, several times over."""
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
from harness import Cluster, ClusterTest  # noqa: E402

CLIENTS = 8


class AuditCrashTest(ClusterTest):
    @classmethod
    def setUpClass(cls):
        cls.c = Cluster("auditcrash").start_hub()
        cls.user = cls.c.create_user("uma", "uma-password-1")

    @classmethod
    def tearDownClass(cls):
        cls.c.stop()

    def load(self, acked, stop, n):
        """One client: submits and org creations until the hub is gone."""
        i = 0
        while not stop.is_set():
            i += 1
            try:
                if i % 4:
                    r = self.c.post("/api/v1/jobs", {"command": "true"}, token=self.user)
                    if r.status == 201:
                        acked.append(("jobs", r.json["id"], 201))
                else:
                    r = self.c.post("/api/v1/orgs", {"name": "o%d-%d-%d" % (self.round, n, i)},
                                    token=self.admin)
                    if r.status == 201:
                        acked.append(("orgs", r.json["id"], 201))
            except Exception:  # the hub died under us: this client is done
                return

    def test_every_change_has_its_row_after_kill_9(self):
        for self.round in range(3):
            self.admin = self.c.admin_token()
            acked, stop = [], threading.Event()
            threads = [threading.Thread(target=self.load, args=(acked, stop, n))
                       for n in range(CLIENTS)]
            for t in threads:
                t.start()
            time.sleep(1.5)  # mid-stream: every client has a write in flight
            self.c.kill_hub()
            stop.set()
            for t in threads:
                t.join(120)
            self.assertGreater(len(acked), 20, "too few writes acknowledged to test anything")
            rows = {(t, o): s for t, o, s in self.c.sql(
                "SELECT object_type, object_id, status FROM audit_log"
                " WHERE route IN ('/api/v1/jobs', '/api/v1/orgs') AND method = 'POST'")}
            # acknowledged -> recorded, with the answer the client got
            for kind, oid, status in acked:
                self.assertEqual(rows.get((kind, oid)), status,
                                 "acknowledged %s %s has no audit row" % (kind, oid))
            # stored -> recorded (no change survives without its row)
            for kind, table in (("jobs", "jobs"), ("orgs", "orgs")):
                ids = [r[0] for r in self.c.sql("SELECT id FROM %s" % table)
                       if r[0] != "org_platform"]
                missing = [i for i in ids if (kind, i) not in rows]
                self.assertEqual(missing, [], "%s stored without an audit row" % kind)
            self.c.start_hub()
            self.c._admin = None
            r = self.c.post("/api/v1/audit/verify", token=self.c.admin_token())
            self.assertEqual(r.status, 200, r)
            self.assertTrue(r.json["ok"], r.json)


if __name__ == "__main__":
    unittest.main()
