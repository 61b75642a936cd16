#!/usr/bin/env bash
# API reads against nginx, side by side: the hub's authenticated
# GET /api/v1/jobs/{id} (token lookup, roles, the job and its events from
# SQLite, JSON) and nginx serving a static file with the very bytes of that
# answer, under the same wrk load on loopback. Prints req/s, p99 latency
# and the ratios. nginx runs from its own config in a temp dir on a free
# loopback port with its own pid file, in the foreground as this script's
# child, and is stopped by that PID.
#   usage: bench/api_reads.sh [seconds per run (10)] [connections (50)]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-50}
bin=${HPCNET_BIN:-build/hpcnet}

. bench/lib.sh
need wrk wrk
PATH=$PATH:/usr/sbin need nginx nginx
bench_build

tmp=$(mktemp -d)
hub_pid=
cleanup() {
	[ -s "$tmp/nginx.pid" ] && kill "$(cat "$tmp/nginx.pid")" 2>/dev/null
	[ -n "$hub_pid" ] && kill "$hub_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

bench_hub
curl -sf -XPOST -H "Authorization: Bearer $admin" "$base/users" \
	-d '{"name":"reader","password":"reader-password-1"}' >/dev/null
token=$(login reader reader-password-1)
# A center that reported capacity (played here: no agent runs), so the job
# is admitted; it then stays as it is while it is read.
join=$(curl -sf -XPOST -H "Authorization: Bearer $admin" "$base/centers" -d '{"name":"idle"}' | json '["join_token"]')
joined=$(curl -sf -XPOST "$base/centers/join" -d "{\"join_token\":\"$join\",\"adapter\":\"none\"}")
agent=$(json '["agent_token"]' <<<"$joined")
cid=$(json '["center_id"]' <<<"$joined")
curl -sf -XPOST -H "Authorization: Bearer $agent" "$base/centers/$cid/heartbeat" -d '{"resources":
	{"total_cores":64,"free_cores":64,"total_memory_bytes":68719476736,"free_memory_bytes":68719476736}}' >/dev/null
job=$(curl -sf -XPOST -H "Authorization: Bearer $token" "$base/jobs" -d '{"command":"true","name":"bench"}' | json '["id"]')
mkdir -p "$tmp/www/api/v1/jobs"
curl -sf -H "Authorization: Bearer $token" "$base/jobs/$job" >"$tmp/www/api/v1/jobs/$job"
chmod -R go+rX "$tmp/www" && chmod go+x "$tmp" # nginx's workers run as another user

# A free loopback port for nginx (it cannot bind port 0 and report it).
nport=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$tmp/logs"
cat >"$tmp/nginx.conf" <<CONF
daemon off;
worker_processes auto;
pid $tmp/nginx.pid;
error_log $tmp/logs/error.log warn;
events { worker_connections 1024; }
http {
	access_log off;
	default_type application/json;
	keepalive_requests 1000000;
	client_body_temp_path $tmp/logs;
	proxy_temp_path $tmp/logs;
	fastcgi_temp_path $tmp/logs;
	uwsgi_temp_path $tmp/logs;
	scgi_temp_path $tmp/logs;
	server {
		listen 127.0.0.1:$nport;
		root $tmp/www;
	}
}
CONF
nginx -p "$tmp" -c "$tmp/nginx.conf" &
for _ in $(seq 50); do [ -s "$tmp/nginx.pid" ] && break; sleep 0.1; done
cmp -s <(curl -sf "http://127.0.0.1:$nport/api/v1/jobs/$job") "$tmp/www/api/v1/jobs/$job" ||
	{ echo "bench: nginx does not serve the file" >&2; exit 1; }

cat >"$tmp/auth.lua" <<'LUA'
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
LUA
export TOKEN=$token
run() { wrk -t2 -c"$conns" -d"${secs}s" --latency "$@"; }
rate() { awk '/Requests\/sec/ {print int($2)}' "$1"; }
p99() { awk '$1 == "99%" {print $2}' "$1"; }

run "http://127.0.0.1:$nport/api/v1/jobs/$job" >"$tmp/nginx.out"
run -s "$tmp/auth.lua" "$base/jobs/$job" >"$tmp/hub.out"
n=$(rate "$tmp/nginx.out")
h=$(rate "$tmp/hub.out")
cat <<OUT
machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $(nginx -v 2>&1 | sed 's/.*: //')
answer: $(wc -c <"$tmp/www/api/v1/jobs/$job") bytes (GET /api/v1/jobs/{id}), wrk -t2 -c$conns, ${secs}s each
nginx static file:       $n req/s, p99 $(p99 "$tmp/nginx.out")
hub GET job (bearer):    $h req/s, p99 $(p99 "$tmp/hub.out")
hub / nginx:             $(awk -v h="$h" -v n="$n" 'BEGIN {printf "%.2f", h / n}')
OUT
grep -h "Non-2xx\|Socket errors" "$tmp/nginx.out" "$tmp/hub.out" || true
