#!/usr/bin/env bash
# Installs what the browser tests need, and only when missing: Debian's
# chromium (and CJK fonts so Chinese pages render in screenshots), node
# and npm, and the pinned npm packages (playwright-core, axe-core) from
# package-lock.json. Runs from the test itself, so the README's test
# command covers it; a second run costs nothing.
set -euo pipefail
cd "$(dirname "$0")"

pkgs=()
[ -x /usr/bin/chromium ] || pkgs+=(chromium)
dpkg-query -W -f='${Status}' fonts-noto-cjk 2>/dev/null | grep -q 'install ok installed' || pkgs+=(fonts-noto-cjk)
command -v node >/dev/null || pkgs+=(nodejs)
command -v npm >/dev/null || pkgs+=(npm)
command -v sqlite3 >/dev/null || pkgs+=(sqlite3)
if [ ${#pkgs[@]} -gt 0 ]; then
	sudo=
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	$sudo apt-get install -y -qq --no-install-recommends "${pkgs[@]}"
fi

# npm ci only when the lock file changed since the last install (a stamp
# beside node_modules), so parallel or repeated runs do not reinstall.
stamp=node_modules/.hpcnet-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
	npm ci --no-audit --no-fund --prefer-offline
	echo "$want" > "$stamp"
fi
