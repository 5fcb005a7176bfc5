#!/usr/bin/env bash
# Regenerates the docs' timeline screenshots (README.md, docs/guide.md): a
# regression file run once by `lifeguard show --html` (legacy's
# use-after-free, and Kuzu 0.11.3's), photographed by headless Chromium.
# usage: docs/screenshots.sh [LIFEGUARD]   (default build/dev/harness/lifeguard)
set -euo pipefail
cd "$(dirname "$0")/.."
lifeguard=${1:-build/dev/harness/lifeguard}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
shoot() {  # shoot PAGE.html OUT.png
  chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$work/profile" \
    --virtual-time-budget=2000 --window-size=1300,560 --screenshot="$PWD/$2" "file://$1" >/dev/null 2>&1
  echo "wrote $2"
}
"$lifeguard" show --html --policy legacy tests/regressions/h3_close_database_during_query.sched -o "$work/legacy.html"
shoot "$work/legacy.html" docs/images/legacy-timeline.png
"$lifeguard" show --html tests/regressions/kuzu/close_database_during_query.sched -o "$work/kuzu.html"
shoot "$work/kuzu.html" docs/images/kuzu-timeline.png
