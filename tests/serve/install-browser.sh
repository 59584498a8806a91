#!/usr/bin/env bash
# tests/serve/install-browser.sh — makes sure the end-to-end browser test
# has what it needs, outside the repository:
#   - Debian's chromium at /usr/bin/chromium (apt-get, when missing);
#   - playwright-core (the driver only, no bundled browsers) under
#     ~/.cache/smelt/node (npm, when missing).
# Prints the node_modules directory on success; exits non-zero with a
# one-line reason when either cannot be installed.
set -euo pipefail

node_dir="${SMELT_NODE_DIR:-$HOME/.cache/smelt/node}"

if [[ ! -x /usr/bin/chromium ]]; then
  command -v apt-get >/dev/null || { echo "install-browser: no apt-get to install chromium" >&2; exit 1; }
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo -n"
  export DEBIAN_FRONTEND=noninteractive
  if ! $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1; then
    $sudo apt-get update -qq >/dev/null 2>&1 || true
    $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null 2>&1 ||
      { echo "install-browser: apt-get install chromium failed" >&2; exit 1; }
  fi
fi

if [[ ! -f "$node_dir/node_modules/playwright-core/package.json" ]]; then
  command -v npm >/dev/null || { echo "install-browser: npm not found" >&2; exit 1; }
  mkdir -p "$node_dir"
  # playwright-core never downloads browsers; we point it at /usr/bin/chromium.
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$node_dir" --no-audit --no-fund \
    --silent playwright-core@1 >/dev/null 2>&1 ||
    { echo "install-browser: npm install playwright-core failed" >&2; exit 1; }
fi
echo "$node_dir/node_modules"
