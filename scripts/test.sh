#!/usr/bin/env bash
# The whole test suite: build, native C tests (Linux, ASan, Windows under Wine), type-check, unit tests,
# end-to-end tests in Chromium. The last line printed is always "N passed, N failed", the failed steps
# named on the line before it (also when a step cannot run or the suite is interrupted).
set -uo pipefail
cd "$(dirname "$0")/.."
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
rm -rf test-results; mkdir -p test-results
failed=()
step() {
  local name=$1; shift
  echo "::: $name"
  if ! "$@"; then failed+=("$name"); fi
}
finish() {
  trap - INT TERM
  node scripts/test-summary.mjs --failed "${failed[*]:-}"
}
trap 'failed+=(interrupted); finish; exit 130' INT TERM
step build npm run -s build
step native bash -c "make -s -C native test 2>&1 | tee test-results/native.txt; exit \${PIPESTATUS[0]}"
step native-windows bash -c "make -s -C native test-windows 2>&1 | tee test-results/native-windows.txt; exit \${PIPESTATUS[0]}"
step typecheck npm run -s typecheck
step unit npx vitest run --config vitest.config.mts --reporter=default --reporter=json --outputFile.json=test-results/unit.json
step e2e npx playwright test -c e2e/playwright.config.ts
finish
