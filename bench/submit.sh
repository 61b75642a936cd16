#!/usr/bin/env bash
# Measures the hub's API on this machine: durable submits/s (each 201 is
# fsync'd in SQLite before it is sent) with one client and with N
# concurrent clients, and GET /jobs/{id} requests/s. A `none`-adapter agent
# drains the jobs meanwhile, so the hub also dispatches and takes reports
# while it is measured. Load comes from wrk (Debian package) on loopback.
#   usage: bench/submit.sh [seconds per run (10)] [concurrent clients (16)]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conc=${2:-16}
[ "$conc" -ge 1 ] || { echo "bench: clients must be >= 1" >&2; exit 1; }
bin=${HPCNET_BIN:-build/hpcnet}

. bench/lib.sh
need wrk wrk
bench_build

bench_tmp
bench_hub
bench_center sink none --cores 1000000 --mem 1P
bench_wait_online 1
export TOKEN=$admin

cat >"$tmp/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"command":"true","name":"bench"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
local created = 0
response = function(status) if status == 201 then created = created + 1 end end
LUA
cat >"$tmp/get.lua" <<'LUA'
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
LUA

rate() { awk '/Requests\/sec/ {print int($2)}'; }
errors() { awk '/Non-2xx|Socket errors/ {print}'; }

before=$(sqlite3 "$tmp/hub.db" 'SELECT COUNT(*) FROM jobs')
one=$(wrk -t1 -c1 -d"${secs}s" -s "$tmp/post.lua" "$base/jobs" | tee "$tmp/w1" | rate)
many=$(wrk -t"$((conc < 2 ? conc : 2))" -c"$conc" -d"${secs}s" -s "$tmp/post.lua" "$base/jobs" | tee "$tmp/w2" | rate)
after=$(sqlite3 "$tmp/hub.db" 'SELECT COUNT(*) FROM jobs')
job=$(curl -sf -H "Authorization: Bearer $admin" "$base/jobs?limit=1" | json '["items"][0]["id"]')
get=$(wrk -t2 -c50 -d"${secs}s" -s "$tmp/get.lua" "$base/jobs/$job" | tee "$tmp/w3" | rate)
done_jobs=$(sqlite3 "$tmp/hub.db" "SELECT COUNT(*) FROM jobs WHERE state = 'succeeded'")

cat <<OUT
machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)
durable submits/s, 1 client:            $one
durable submits/s, $conc clients:           $many
GET /jobs/{id} req/s, 50 connections:   $get
jobs stored during the submit runs:     $((after - before))   (completed by the agent by the end: $done_jobs)
OUT
cat "$tmp/w1" "$tmp/w2" "$tmp/w3" | errors || true
