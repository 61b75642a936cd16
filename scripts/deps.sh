#!/usr/bin/env bash
# Installs what hpcnet needs to build and test on Debian 12, and nothing else.
# Runs as root (or through sudo); skips apt-get when everything is present so
# a second run costs nothing.
set -euo pipefail

pkgs=(build-essential cmake pkg-config git ca-certificates curl
      libmicrohttpd-dev libjansson-dev libsqlite3-dev libcurl4-openssl-dev
      libsodium-dev libssl-dev libcmocka-dev libxml2-dev libcjose-dev libjemalloc-dev python3
      sqlite3 procps)

missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
