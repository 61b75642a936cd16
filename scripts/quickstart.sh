#!/usr/bin/env bash
# README command 1: install what hpcnet needs (Debian 12), build it, install
# the `hpcnet` binary into /usr/local/bin, and start the embedded default:
# a hub on SQLite plus two local centers, with a demo user. Ctrl-C stops it;
# running it again on the same data dir keeps every job.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
bash scripts/build.sh
sudo=
[ "$(id -u)" -eq 0 ] || sudo=sudo
$sudo install -m 0755 build/hpcnet /usr/local/bin/hpcnet
exec /usr/local/bin/hpcnet up --data "${HPCNET_DATA:-$PWD/hpcnet-data}" "$@"
