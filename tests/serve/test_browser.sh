#!/usr/bin/env bash
# e2e/browser — the web UI in Debian's chromium, driven by playwright-core
# (tests/serve/browser.cjs).  Screenshots land in
# $SMELT_BUILD_DIR/artifacts/serve/.  Skips (fails under CI=true) when
# chromium or playwright-core cannot be installed.
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../lib/tier.sh"

: "${SERVE_FAKE_BIN:?SERVE_FAKE_BIN must name the serve_fake binary}"
command -v node >/dev/null || tier_skip "node is not installed"
modules=$(bash "$here/install-browser.sh") || tier_skip "chromium or playwright-core unavailable"
out="${SMELT_BUILD_DIR:-.}/artifacts/serve"
timeout 300 node "$here/browser.cjs" "$modules" "$SERVE_FAKE_BIN" "$out"
