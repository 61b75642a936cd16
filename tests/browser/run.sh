#!/usr/bin/env bash
# CTest entry of the browser tests: set up, then node's test runner.
#   HPCNET_BIN               the hpcnet binary under test (CTest sets it)
#   HPCNET_BROWSER_OUT       where screenshots go (CTest: build/browser-output)
#   HPCNET_SCREENSHOTS_TO_DOCS=1  also copy the main pages to docs/screenshots/
set -euo pipefail
cd "$(dirname "$0")"
bash setup.sh
exec node --test --test-reporter=spec portal.test.mjs
