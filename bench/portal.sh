#!/usr/bin/env bash
# What the portal costs the hub on this machine: its static files (a full
# GET of the largest page module, and the 304 a browser gets when it
# revalidates an unchanged file by ETag), and the same API read signed in
# by the portal's session cookie vs by a bearer token (the session path
# adds a CSRF derivation and, once a minute, a last-seen write).
#   usage: bench/portal.sh [seconds per run (10)] [connections (50)]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}
conns=${2:-50}
bin=${HPCNET_BIN:-build/hpcnet}

. bench/lib.sh
need wrk wrk
bench_build

bench_tmp
bench_hub
root=$hub
token=$admin
cookie=$(curl -sf -XPOST -D - -o /dev/null "$base/sessions" \
	-d "{\"username\":\"admin\",\"password\":\"$HPCNET_ADMIN_PASSWORD\"}" |
	sed -n 's/^Set-Cookie: \(hpcnet_session=[^;]*\).*/\1/p')
big=$(cd web && find . -name '*.js' -printf '%s %P\n' | sort -n | tail -1 | cut -d' ' -f2)
etag=$(curl -sf -D - -o /dev/null "$root/$big" | sed -n 's/^ETag: \(.*\)\r$/\1/p')

cat >"$tmp/h.lua" <<'LUA'
local n, v = os.getenv("HNAME"), os.getenv("HVALUE")
if n and n ~= "" then wrk.headers[n] = v end
LUA
rate() { awk '/Requests\/sec/ {print int($2)}'; }
run() { # URL HEADER-NAME HEADER-VALUE
	HNAME=$2 HVALUE=$3 wrk -t2 -c"$conns" -d"${secs}s" -s "$tmp/h.lua" "$1" | rate
}

full=$(run "$root/$big" "" "")
notmod=$(run "$root/$big" If-None-Match "$etag")
bearer=$(run "$base/jobs?limit=20" Authorization "Bearer $token")
session=$(run "$base/jobs?limit=20" Cookie "$cookie")

cat <<OUT
machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -sr)
GET /$big ($(stat -c %s "web/$big") bytes) req/s, $conns connections:   $full
the same revalidated (If-None-Match -> 304) req/s:                 $notmod
GET /api/v1/jobs?limit=20 req/s with a bearer token:                $bearer
GET /api/v1/jobs?limit=20 req/s with the portal's session cookie:   $session
OUT
