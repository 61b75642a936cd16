#!/usr/bin/env bash
# README command 2: install what hpcnet needs (Debian 12), build it, and run
# the whole suite (cmocka unit tests and integration tests against real
# daemons) -- then all of it again built with AddressSanitizer and
# UndefinedBehaviorSanitizer. Exits non-zero if anything fails.
#   HPCNET_SKIP_SANITIZERS=1  skip the sanitizer pass (quicker local runs)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh

jobs=$(nproc)
echo "== build (RelWithDebInfo) and test"
BUILD_DIR=build bash scripts/build.sh
(cd build && ctest --output-on-failure -j "$jobs")

if [ -z "${HPCNET_SKIP_SANITIZERS:-}" ]; then
	echo "== build with ASan+UBSan and test"
	BUILD_DIR=build-asan BUILD_TYPE=Debug bash scripts/build.sh -DHPCNET_ASAN=ON -DHPCNET_UBSAN=ON
	# Leak checking stays on; fork()ed shepherds exit with _exit and are
	# not leak-checked by ASan.
	(cd build-asan && ASAN_OPTIONS=abort_on_error=1:detect_leaks=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest --output-on-failure -j "$jobs")
fi
echo "== all tests passed"
