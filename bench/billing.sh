#!/usr/bin/env bash
# What money costs the hub: durable submits/s with 16 concurrent clients,
# side by side, (a) on a center without prices (each submit still writes
# its hold row) and (b) on a priced center with a funded account (each
# submit also checks funds and posts a balanced hold transaction; each
# report that ends a job meters it and posts its charge). A `none`-adapter
# agent drains the jobs meanwhile, so charges run during (b). Ends with
# the books' audit (all entries sum to zero) and how many jobs were charged.
#   usage: bench/billing.sh [seconds per run (10)] [concurrent clients (16)]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conc=${2:-16}
bin=${HPCNET_BIN:-build/hpcnet}

. bench/lib.sh
need wrk wrk
bench_build

bench_tmp
bench_hub
auth="Authorization: Bearer $admin"
bench_center sink none --cores 1000000 --mem 1P
bench_wait_online 1
export TOKEN=$admin

cat >"$tmp/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"command":"true","name":"bench","walltime_seconds":60}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
LUA
rate() { awk '/Requests\/sec/ {print int($2)}'; }
non2xx() { awk '/Non-2xx/ {print $4}'; }

free=$(wrk -t2 -c"$conc" -d"${secs}s" -s "$tmp/post.lua" "$base/jobs" | tee "$tmp/w1" | rate)

prl=$(curl -sf -XPOST -H "$auth" "$base/centers/sink/prices" \
	-d '{"items":[{"resource":"core_hour","price":3600},{"resource":"memory_gib_hour","price":1}]}' |
	json '["id"]')
curl -sf -XPOST -H "$auth" "$base/prices/$prl/approve" >/dev/null
curl -sf -XPOST -H "$auth" "$base/accounts/user:admin/topup" -d '{"amount":1000000000000}' >/dev/null
sleep 1
priced=$(wrk -t2 -c"$conc" -d"${secs}s" -s "$tmp/post.lua" "$base/jobs" | tee "$tmp/w2" | rate)
refused=$(non2xx <"$tmp/w2")

for _ in $(seq 300); do
	left=$(sqlite3 "$tmp/hub.db" "SELECT COUNT(*) FROM holds WHERE status = 'held'")
	[ "$left" = 0 ] && break
	sleep 0.2
done
charged=$(sqlite3 "$tmp/hub.db" "SELECT COUNT(*) FROM holds WHERE status = 'charged'")
audit=$(curl -sf -H "$auth" "$base/ledger/audit")

cat <<OUT
machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)
durable submits/s, $conc clients, center without prices (hold row only): $free
durable submits/s, $conc clients, priced center (funds check + hold transaction): $priced
  non-2xx answers during the priced run: ${refused:-0}
jobs settled (holds charged; free jobs move no money): $charged; still held: $left
ledger audit: $audit
OUT
