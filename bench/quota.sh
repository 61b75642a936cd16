#!/usr/bin/env bash
# What a submit costs a user with a quota as their history grows: the quota
# check must read what the user holds now, not every job they ever ran
# (migration 014). bench/quota_history.py does one measurement.
#   usage: bench/quota.sh [history sizes (0 10000 50000)]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${HPCNET_BIN:-build/hpcnet}
. bench/lib.sh
bench_build
for n in ${@:-0 10000 50000}; do
	/usr/bin/python3 bench/quota_history.py "$bin" "$n"
done
