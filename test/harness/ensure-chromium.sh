#!/usr/bin/env bash
# The dashboard's browser tests drive Debian's `chromium` through playwright-core (never
# `playwright install`: it downloads a browser build). This installs it when missing; CI runs as
# root. Without it the browser tests fail (they do not skip).
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "chromium is missing and this is not root: install it with: sudo apt-get install -y chromium" >&2
  exit 1
fi
echo "installing chromium for the browser tests (apt-get)..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version
