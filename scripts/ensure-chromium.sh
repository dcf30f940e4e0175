#!/usr/bin/env bash
# Makes sure Debian's Chromium is at /usr/bin/chromium for the browser tests (test/*.browser.test.ts, driven by
# playwright-core, which downloads no browser of its own), with a CJK font (Debian's fonts-noto-cjk), so that the
# Chinese and Japanese texts of the pages and the demo data render as glyphs, not empty boxes, in their screenshots.
# Idempotent (installs only what is missing); called by `npm test`.
set -euo pipefail

CHROMIUM=/usr/bin/chromium
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
has_cjk_font() { command -v fc-list >/dev/null && fc-list :lang=zh-cn family | grep -qi 'CJK'; }

missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
has_cjk_font || missing+=(fonts-noto-cjk)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "ensure-chromium: installing ${missing[*]} (Debian packages)" >&2
as_root apt-get update -qq
as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" fontconfig >/dev/null
[ -x "$CHROMIUM" ] || { echo "ensure-chromium: $CHROMIUM still missing after install" >&2; exit 1; }
has_cjk_font || { echo "ensure-chromium: no CJK font after installing fonts-noto-cjk" >&2; exit 1; }
