#!/usr/bin/env bash
# Makes sure Debian's Chromium is at /usr/bin/chromium for the browser test (test/dashboard.browser.test.ts, driven
# by playwright-core, which downloads no browser of its own). Idempotent; called by `npm test`.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

if [ -x "$CHROMIUM" ]; then exit 0; fi
echo "ensure-chromium: installing Chromium (Debian package)" >&2
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
[ -x "$CHROMIUM" ] || { echo "ensure-chromium: $CHROMIUM still missing after install" >&2; exit 1; }
