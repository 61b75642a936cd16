#!/usr/bin/env bash
# hpcnet in front of a real scheduler vs the scheduler alone, side by side
# in one run on this machine (figures are noisy: compare them as ratios).
# SCHED is slurm or sge (Grid Engine):
#  1. submit -> complete latency of a trivial job, N runs alternating,
#     each after a random pause: POST /jobs to a hub with an agent driving
#     SCHED, then GET the job every 20 ms, vs the scheduler's own submit
#     (`sbatch` / `qsub`) then its own status command every 20 ms
#     (`scontrol show job ID`; `qstat -j ID`, then `qacct -j ID` once the
#     job left qstat). Median, p90 and their ratio.
#  2. how often the agent runs the scheduler's commands, idle and with 32
#     jobs in flight (each goes through a counting wrapper: adapter option
#     bindir=).
#  3. submissions/s: the hub's durably acknowledged submit (wrk, 1 and 16
#     clients; every 201 is fsync'd) vs a loop of `sbatch` / `qsub` (one
#     process per job, as scripts do). The hub's jobs go to a
#     `none`-adapter center so the scheduler is not flooded; the loop's
#     jobs are submitted held (the same request) and deleted afterwards.
# Starts the single-host cluster of tests/setup/SCHED.sh when none answers
# (and stops it at the end); needs root for that.
#   usage: bench/sched.sh [slurm|sge] [seconds per submit run (5)] [latency runs (20)]
set -euo pipefail
cd "$(dirname "$0")/.."
sched=${1:-slurm}
secs=${2:-5}
runs=${3:-20}
bin=${HPCNET_BIN:-build/hpcnet}
loopname=hpcnet-bench-loop
case "$sched" in
slurm)
	cmds="sbatch squeue scontrol scancel sacct"
	sbin=$(dirname "$(command -v sbatch || echo /usr/bin/sbatch)")
	up() { scontrol ping 2>/dev/null | grep -q UP; }
	loop_submit() { sbatch --hold --parsable -J $loopname -o /dev/null --wrap true >/dev/null; }
	loop_clean() { scancel --name=$loopname >/dev/null 2>&1 || true; }
	version() { sbatch --version; }
	;;
sge)
	export SGE_ROOT=${SGE_ROOT:-/var/lib/gridengine} SGE_CELL=${SGE_CELL:-default}
	cmds="qsub qstat qacct qdel qhold qrls qmod qhost"
	sbin=$SGE_ROOT/bin/$("$SGE_ROOT/util/arch" 2>/dev/null || echo lx-amd64)
	up() { "$sbin/qstat" -u '*' >/dev/null 2>&1; }
	loop_submit() { "$sbin/qsub" -h -terse -b y -N $loopname -o /dev/null -e /dev/null /bin/true >/dev/null; }
	loop_clean() { "$sbin/qdel" $loopname >/dev/null 2>&1 || true; }
	version() { echo "Grid Engine $(dpkg-query -W -f='${Version}' gridengine-client)"; }
	;;
*)
	echo "usage: bench/sched.sh [slurm|sge] [seconds per submit run] [latency runs]" >&2
	exit 2
	;;
esac

. bench/lib.sh
need wrk wrk
bench_build

started=
if ! up; then
	bash tests/setup/$sched.sh start
	started=1
	[ "$sched" = sge ] && sbin=$SGE_ROOT/bin/$("$SGE_ROOT/util/arch")
fi
tmp=$(mktemp -d)
cleanup() {
	kill $(jobs -p) 2>/dev/null || true
	wait 2>/dev/null || true
	loop_clean
	[ -n "$started" ] && bash tests/setup/$sched.sh stop >/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# Every scheduler command the agent runs is counted on its way through.
mkdir -p "$tmp/bin"
for c in $cmds; do
	printf '#!/bin/sh\necho %s >>%s/calls\nexec %s "$@"\n' "$c" "$tmp" "$sbin/$c" >"$tmp/bin/$c"
	chmod +x "$tmp/bin/$c"
done
: >"$tmp/calls"

bench_hub
bench_center sink none --cores 1000000 --mem 1P
bench_center "$sched" "$sched" --cores 16 --adapter-opt "bindir=$tmp/bin" ${BENCH_AGENT_ARGS:-}
bench_wait_online 2
export TOKEN=$admin

# ---- 1 and 2: latency, and the agent's scheduler commands ----
sleep 2 # the agent settles
/usr/bin/python3 - "$base" "$TOKEN" "$runs" "$tmp" "$sched" "$sbin" <<'PY'
import http.client, json, random, subprocess, sys, time, urllib.parse
base, token, runs, tmp, sched, sbin = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], \
    sys.argv[5], sys.argv[6]
u = urllib.parse.urlparse(base)
conn = http.client.HTTPConnection(u.hostname, u.port)
H = {"Authorization": "Bearer " + token, "Content-Type": "application/json"}
POLL = 0.02

def api(method, path, body=None):
    conn.request(method, u.path + path, body=json.dumps(body) if body else None, headers=H)
    r = conn.getresponse()
    return r.status, json.loads(r.read() or b"null")

def via_hub():
    t0 = time.monotonic()
    st, j = api("POST", "/jobs", {"command": "true", "center": sched, "name": "lat"})
    assert st == 201, j
    while True:
        st, j = api("GET", "/jobs/" + j["id"])
        if j["state"] in ("succeeded", "failed", "cancelled", "lost"):
            assert j["state"] == "succeeded", j
            return time.monotonic() - t0
        time.sleep(POLL)

def run(*args):
    return subprocess.run(args, cwd=tmp, capture_output=True, text=True)

def direct():
    t0 = time.monotonic()
    if sched == "slurm":
        jid = run(sbin + "/sbatch", "--parsable", "-o", "/dev/null", "--wrap",
                  "true").stdout.strip().split(";")[0]
        while True:
            out = run(sbin + "/scontrol", "show", "job", "-o", jid).stdout
            if "JobState=COMPLETED" in out:
                return time.monotonic() - t0
            assert "JobState=FAILED" not in out and "JobState=CANCELLED" not in out, out
            time.sleep(POLL)
    jid = run(sbin + "/qsub", "-terse", "-b", "y", "-o", "/dev/null", "-e", "/dev/null",
              "/bin/true").stdout.strip()
    assert jid.isdigit(), jid
    while run(sbin + "/qstat", "-j", jid).returncode == 0:
        time.sleep(POLL)
    while True:
        out = run(sbin + "/qacct", "-j", jid).stdout
        if "exit_status" in out:
            assert any(l.split() == ["exit_status", "0"] for l in out.splitlines()), out
            return time.monotonic() - t0
        time.sleep(POLL)

def calls():
    with open(tmp + "/calls") as f:
        return f.read().split()

hub, alone = [], []
rnd = random.Random(42)
for i in range(runs):
    # Each from a quiet cluster (a job submitted while the scheduler still
    # winds down the one before waits longer, whoever submits it), after a
    # random pause: the schedulers' own ~1 s ticks make a trivial job take
    # ~0.2 to ~1 s, and a fixed rhythm could lock one side onto a lucky phase.
    time.sleep(rnd.uniform(0.5, 1.5))
    hub.append(via_hub())
    time.sleep(rnd.uniform(0.5, 1.5))
    alone.append(direct())

def q(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p * (len(xs) - 1))))]

# The agent's scheduler commands: idle (nothing of ours in flight), then
# with 32 one-second jobs in flight.
time.sleep(2)
c0, t0 = len(calls()), time.monotonic()
time.sleep(10)
idle = (len(calls()) - c0) / (time.monotonic() - t0)
c0, t0 = len(calls()), time.monotonic()
ids = [api("POST", "/jobs", {"command": "sleep 1", "center": sched, "name": "load"})[1]["id"]
       for _ in range(32)]
while any(api("GET", "/jobs/" + i)[1]["state"] not in ("succeeded", "failed") for i in ids):
    time.sleep(0.2)
busy_calls = calls()[c0:]
busy = len(busy_calls) / (time.monotonic() - t0)
kinds = {k: busy_calls.count(k) for k in sorted(set(busy_calls))}

print("latency runs:                       %d (alternating, poll every %d ms)" % (runs, POLL * 1000))
print("submit->complete, %-5s alone:        median %.3f s, p90 %.3f s" % (sched, q(alone, .5), q(alone, .9)))
print("submit->complete, hub+agent+%-5s:    median %.3f s, p90 %.3f s" % (sched, q(hub, .5), q(hub, .9)))
print("  ratio hub/direct:                  median %.2f, p90 %.2f; overhead median %+.0f ms" %
      (q(hub, .5) / q(alone, .5), q(hub, .9) / q(alone, .9), (q(hub, .5) - q(alone, .5)) * 1000))
print("agent's %s commands/s, idle:      %.2f" % (sched, idle))
print("agent's %s commands/s, 32 jobs:   %.2f (%s)" % (sched, busy, ", ".join(
    "%s %d" % kv for kv in kinds.items())))
PY

# ---- 3. submissions/s (last: the loop leaves its jobs in the scheduler's
# records, e.g. slurmctld's table for MinJobAge, which slows the agent's
# reading of them) ----
cat >"$tmp/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"command":"true","name":"bench","center":"sink"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
LUA
rate() { awk '/Requests\/sec/ {print int($2)}'; }
hub1=$(wrk -t1 -c1 -d"${secs}s" -s "$tmp/post.lua" "$base/jobs" | rate)
hub16=$(wrk -t2 -c16 -d"${secs}s" -s "$tmp/post.lua" "$base/jobs" | rate)
n=0
end=$((SECONDS + secs))
t0=$(date +%s.%N)
while [ $SECONDS -lt $end ]; do
	(cd "$tmp" && loop_submit)
	n=$((n + 1))
done
sb=$(echo "$n $t0 $(date +%s.%N)" | awk '{printf "%d", $1 / ($3 - $2)}')
loop_clean
cat <<OUT
machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr), $(version)
submits/s, $sched loop (1 process per job):  $sb
submits/s, hub, 1 client:                   $hub1   ($(awk -v a="$hub1" -v b="$sb" 'BEGIN {printf "%.1f", a / b}')x the loop)
submits/s, hub, 16 clients:                 $hub16   ($(awk -v a="$hub16" -v b="$sb" 'BEGIN {printf "%.1f", a / b}')x the loop)
OUT

