# SPDX-License-Identifier: Apache-2.0
"""One user with a core-hour quota and N finished jobs behind them (written
straight into a fresh hub's database, with their final usage records);
times 300 sequential submits of theirs. Run by bench/quota.sh.
  usage: quota_history.py HPCNET_BINARY N"""
import http.client, json, os, sqlite3, subprocess, sys, tempfile, time, shutil
BIN, N = sys.argv[1], int(sys.argv[2])
d = tempfile.mkdtemp()
env = dict(os.environ, HPCNET_ADMIN_PASSWORD="bench-admin-pass")
hub = subprocess.Popen([BIN, "hub", "--listen", "127.0.0.1:0", "--db", "sqlite:%s/hub.db" % d, "--port-file", d + "/port"], env=env, stdout=subprocess.DEVNULL, stderr=open(d + "/hub.log", "w"))
while not os.path.exists(d + "/port") or not open(d + "/port").read().strip(): time.sleep(0.05)
port = int(open(d + "/port").read())
c = http.client.HTTPConnection("127.0.0.1", port)
def api(m, p, b=None, tok=None):
    h = {"Content-Type": "application/json"}
    if tok: h["Authorization"] = "Bearer " + tok
    c.request(m, "/api/v1" + p, body=json.dumps(b) if b is not None else None, headers=h)
    r = c.getresponse(); return r.status, json.loads(r.read() or b"null")
st, t = api("POST", "/tokens", {"username": "admin", "password": "bench-admin-pass"}); adm = t["token"]
st, ctr = api("POST", "/centers", {"name": "sink"}, adm)
st, jn = api("POST", "/centers/join", {"join_token": ctr["join_token"], "adapter": "none"})
st2, hb = api("POST", "/centers/%s/heartbeat" % jn["center_id"], {"resources": {"total_cores": 100000, "free_cores": 100000, "total_memory_bytes": 1 << 50, "free_memory_bytes": 1 << 50}}, jn["agent_token"])
assert st2 == 200, (st2, hb)
api("POST", "/users", {"name": "heavy", "password": "heavy-pass-1234"}, adm)
st, t = api("POST", "/tokens", {"username": "heavy", "password": "heavy-pass-1234"}); tok = t["token"]
st, q = api("POST", "/quotas", {"scope": "user:heavy", "resource": "core_hours", "period": "month", "limit": 1000000000}, adm)
assert st == 200, (st, q)
db = sqlite3.connect(d + "/hub.db", timeout=30)
uid = db.execute("SELECT id FROM users WHERE name='heavy'").fetchone()[0]
cid = db.execute("SELECT id FROM centers WHERE name='sink'").fetchone()[0]
rows = [("job_HIST%07d" % i, uid) for i in range(N)]
db.executemany("INSERT INTO jobs (id, user_id, name, state, script, cores, memory_bytes, gpus, walltime_seconds, submitted_at, updated_at, center_id) VALUES (?, ?, 'h', 'succeeded', '', 1, 0, 0, 60, 1, 1, '%s')" % cid, rows)
db.executemany("INSERT INTO usage_records (job_id, resource, model, center_id, user_id, payer_kind, payer_id, billed_qty, final, period, day, updated_at) VALUES (?, 'core', '', '%s', ?, 'user', ?, 60, 1, '2026-12', '2026-12-01', 1)" % cid, [(r[0], uid, uid) for r in rows])
db.commit(); db.close()
t0 = time.monotonic(); n = 300
for i in range(n):
    st, j = api("POST", "/jobs", {"command": "true", "name": "b"}, tok)
    assert st == 201, (st, j)
dt = time.monotonic() - t0
print("%7d finished jobs behind the user: %.2f ms per submit (1 client, quota checked)" % (N, dt / n * 1000))
hub.terminate(); hub.wait(); shutil.rmtree(d)
