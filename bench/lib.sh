# SPDX-License-Identifier: Apache-2.0
# What every bench script does before it measures: the tools it needs, a
# hub on a fresh SQLite file in $tmp, the admin's token, and centers whose
# agents joined. Sourced from the repository's root after `bin` (the hpcnet
# binary) is set; bench_tmp (or the caller) sets `tmp` before bench_hub.

need() { # command, Debian package: installs it when root, else says how
	command -v "$1" >/dev/null && return 0
	[ "$(id -u)" -eq 0 ] && apt-get install -y -qq "$2" >/dev/null && command -v "$1" >/dev/null ||
		{ echo "bench: needs $1 (apt-get install $2)" >&2; exit 1; }
}

bench_tmp() { # $tmp, a scratch dir removed at exit with the daemons started here
	tmp=$(mktemp -d)
	trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
}

bench_build() { # builds hpcnet unless $bin is already there
	[ -x "$bin" ] || bash scripts/build.sh
}

json() { /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }

login() { # user password -> a bearer token
	curl -sf -XPOST "$base/tokens" -d "{\"username\":\"$1\",\"password\":\"$2\"}" | json '["token"]'
}

# Starts the hub; sets hub_pid, hub (its root URL), base (.../api/v1) and
# admin (the first admin's token).
bench_hub() {
	export HPCNET_ADMIN_PASSWORD=bench-admin-pass
	"$bin" hub --listen 127.0.0.1:0 --db "sqlite:$tmp/hub.db" --port-file "$tmp/port" "$@" \
		2>"$tmp/hub.log" &
	hub_pid=$!
	for _ in $(seq 100); do [ -s "$tmp/port" ] && break; sleep 0.1; done
	hub="http://127.0.0.1:$(cat "$tmp/port")"
	base="$hub/api/v1"
	admin=$(login admin "$HPCNET_ADMIN_PASSWORD")
}

bench_center() { # name adapter agent-args...: creates the center, starts its agent
	local name=$1 adapter=$2 join
	shift 2
	join=$(curl -sf -XPOST -H "Authorization: Bearer $admin" "$base/centers" -d "{\"name\":\"$name\"}" |
		json '["join_token"]')
	"$bin" agent --hub "$hub" --join-token "$join" --name "$name" --adapter "$adapter" \
		--workdir "$tmp/$name" "$@" 2>"$tmp/agent-$name.log" &
}

bench_wait_online() { # N: waits (up to 20 s) until N centers are online
	for _ in $(seq 200); do
		curl -sf -H "Authorization: Bearer $admin" "$base/centers" | /usr/bin/python3 -c \
			'import json,sys; c=json.load(sys.stdin)["items"]; sys.exit(0 if sum(x["status"]=="online" for x in c)>='"$1"' else 1)' &&
			return 0
		sleep 0.1
	done
}
