#!/usr/bin/env bash
# Renders a `genops-sim report` HTML file to a PNG with headless Chromium (Debian package
# `chromium`), to look at the report the way a reader will. Not part of CI.
#   scripts/render-report.sh REPORT.html [OUT.png] [WIDTHxHEIGHT]
# Defaults: OUT = REPORT.png next to the HTML file, window 1400x5200 (the whole page).
set -euo pipefail

if [[ $# -lt 1 || "$1" == "-h" || "$1" == "--help" ]]; then
  sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
html="$1"
png="${2:-${html%.html}.png}"
size="${3:-1400x5200}"
if [[ ! -f "$html" ]]; then
  echo "render-report: '$html' not found" >&2
  exit 2
fi
browser="$(command -v chromium || command -v chromium-browser || true)"
if [[ -z "$browser" ]]; then
  echo "render-report: chromium not found (apt-get install -y chromium)" >&2
  exit 2
fi
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
  --user-data-dir="$profile" --window-size="${size/x/,}" --screenshot="$(realpath -m "$png")" \
  "file://$(realpath "$html")" 2>/dev/null
echo "wrote $png"
