#!/usr/bin/env bash
# What identity costs on this machine: GET /jobs/{id} as the job's owner
# (token + roles + job + events) and as the admin of the job's org (one
# more query: the org membership), durable state changes with their audit
# row (POST /orgs/{id}/members, each also appends to the hash chain), and
# the time POST /audit/verify takes over the rows that produced.
#   usage: bench/identity.sh [seconds per run (10)] [concurrent clients (16)]
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

call() { # METHOD PATH TOKEN [BODY] -> the answer's JSON
	curl -sf -X"$1" -H "Authorization: Bearer $3" -H 'Content-Type: application/json' \
		"$base$2" ${4:+-d "$4"}
}

for u in owner oadm; do call POST /users "$admin" "{\"name\":\"$u\",\"password\":\"$u-password\"}" >/dev/null; done
call POST /orgs "$admin" '{"name":"uni","admin":"oadm"}' >/dev/null
call POST /orgs/uni/members "$admin" '{"user":"owner"}' >/dev/null
call POST /projects "$admin" '{"org":"uni","name":"p"}' >/dev/null
join=$(call POST /centers "$admin" '{"name":"c1"}' | json '["join_token"]')
agent=$(curl -sf -XPOST "$base/centers/join" -d "{\"join_token\":\"$join\",\"adapter\":\"none\"}")
cid=$(echo "$agent" | json '["center_id"]')
call POST "/centers/$cid/heartbeat" "$(echo "$agent" | json '["agent_token"]')" \
	'{"resources":{"total_cores":1000,"free_cores":1000}}' >/dev/null
owner=$(login owner owner-password)
oadm=$(login oadm oadm-password)
job=$(call POST /jobs "$owner" '{"command":"true","project":"uni/p"}' | json '["id"]')

cat >"$tmp/get.lua" <<'LUA'
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
LUA
# each request adds (or re-adds) a member: a durable write plus its audit row
cat >"$tmp/post.lua" <<'LUA'
wrk.method = "POST"
wrk.body = '{"user":"owner","role":"member"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
LUA
rate() { awk '/Requests\/sec/ {print int($2)}'; }

get_owner=$(TOKEN=$owner wrk -t2 -c50 -d"${secs}s" -s "$tmp/get.lua" "$base/jobs/$job" | rate)
get_oadm=$(TOKEN=$oadm wrk -t2 -c50 -d"${secs}s" -s "$tmp/get.lua" "$base/jobs/$job" | rate)
post=$(TOKEN=$oadm wrk -t2 -c"$conc" -d"${secs}s" -s "$tmp/post.lua" "$base/orgs/uni/members" | rate)
rows=$(sqlite3 "$tmp/hub.db" 'SELECT COUNT(*) FROM audit_log')
t0=$(date +%s%N)
verify=$(call POST /audit/verify "$admin" | json '["ok"]')
t1=$(date +%s%N)

cat <<OUT
machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)
GET /jobs/{id} req/s as its owner, 50 connections:        $get_owner
GET /jobs/{id} req/s as its org's admin, 50 connections:  $get_oadm
audited member changes/s, $conc clients:                  $post
POST /audit/verify over $rows rows:  $(( (t1 - t0) / 1000000 )) ms (ok: $verify)
OUT
