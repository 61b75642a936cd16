#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The storage sweep and the storage quota check with many users
# (bench/storage_sweep.c): builds the tree (BUILD_DIR, default build) and
# links the bench against its libraries.
#   usage: bench/storage_sweep.sh [users (10000)]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
[ -f "$build/libhpcnet_hub.a" ] || BUILD_DIR=$build bash scripts/build.sh
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# shellcheck disable=SC2046
cc -O2 -I. -Iinclude $(pkg-config --cflags jansson sqlite3) bench/storage_sweep.c \
	"$build/libhpcnet_hub.a" "$build/libhpcnet_sched.a" "$build/libhpcnet_store.a" \
	"$build/libhpcnet_common.a" $(pkg-config --libs jansson sqlite3 libsodium libcrypto libmicrohttpd libcurl libxml-2.0 cjose) -lpthread -lm -o "$out"
echo "machine: $(nproc) cores, $(uname -sr)"
"$out" "${1:-10000}"
