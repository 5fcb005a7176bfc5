#!/usr/bin/env bash
# The HTML reports in a real browser (issue 22): a regression file's timeline
# (it holds no history, so `show --html` runs it once), a recorded failure
# artifact's timeline, and a campaign's index with its timelines, each loaded
# by headless Chromium, which runs the page's script; the test reads the
# page it rendered and takes a screenshot. Skipped (77) without Chromium.
# usage: report_test.sh LIFEGUARD SOURCE_DIR WORK_DIR
set -uo pipefail
source "$(dirname "$0")/checks.sh"
lifeguard=$1 source=$2 work=$3
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
  echo "skipped: no Chromium (./run test installs Debian's chromium; apt-get install chromium)"
  exit 77
fi
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 2
# render PAGE.html NAME: the DOM after the page's script ran, and a screenshot.
render() {
  local flags=(--headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir="$work/profile"
               --virtual-time-budget=3000 --window-size=1400,900)
  timeout 120 "$browser" "${flags[@]}" --dump-dom "file://$work/$1" >"$2.dom" 2>"$2.log"
  timeout 120 "$browser" "${flags[@]}" --screenshot="$work/$2.png" "file://$work/$1" >>"$2.log" 2>&1
}
png() { [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] && [ "$(stat -c %s "$1")" -gt 20000 ]; }

# 1. A regression file without history: run once (a use-after-free under legacy), then drawn.
sed 's/^policy complete$/policy legacy/' "$source/tests/regressions/h1_close_connection_during_query.sched" >regression.sched
"$lifeguard" show --html regression.sched -o regression.html >show.out 2>&1
check "show --html runs a file without history once" grep -q 'holds no history: ran it once' show.out
check "and writes the page" grep -q '^wrote regression.html' show.out
render regression.html regression
check "Chromium ran the page's script" grep -q 'data-ready="yes"' regression.dom
check "the verdict is on the page" grep -q '<span class="verdict">sanitizer</span>' regression.dom
check "one lane per actor" test "$(grep -o '<div class="row">actor [0-9]*</div>' regression.dom | wc -l)" -eq \
  "$(grep -c '^actor ' regression.sched)"
check "and one for the teardown" grep -q '<div class="row">teardown</div>' regression.dom
check "the end of the run is marked" grep -q 'sanitizer: the run ended' regression.dom
check "the close is marked across the lanes" grep -q '<div class="mark"' regression.dom
check "the report's stack is on the page" grep -q '#[0-9]* 0x[0-9a-f]* in lifeguard::' regression.dom
check "the replay command" grep -q '<pre id="replay">lifeguard replay regression.sched</pre>' regression.dom
check "the screenshot is a PNG" png regression.png

# 2. Artifacts with a recorded history are drawn, not rerun: an imported
# fuzzer crash, and a contract failure whose operation the oracle named.
cp "$source/tests/regressions/fuzz_legacy_commit_after_close.sched" imported.sched
"$lifeguard" show --html imported.sched >imported.out 2>&1
render imported.html imported
check "a recorded history is drawn, not rerun" bash -c '! grep -q "ran it once" imported.out'
check "with the verdict it recorded" grep -q '<span class="verdict">sanitizer</span>' imported.dom
cp "$source/tests/harness/testdata/complete-contract-seed949834666.sched" artifact.sched
"$lifeguard" show --html artifact.sched >/dev/null 2>&1
render artifact.html artifact
check "a contract failure" grep -q '<span class="verdict">contract</span>' artifact.dom
check "the named operation is outlined" grep -q 'class="bar [a-z]* culprit"' artifact.dom
check "hovering shows an operation's answer" \
  bash -c "tr '\n' ' ' <artifact.dom | grep -q 'data-tip=\"actor [0-9] op #[0-9]*: [^\"]*returned +'"
check "the artifact's screenshot is a PNG" png artifact.png

# 3. A campaign's index: failures grouped, each linking to a timeline that exists.
"$lifeguard" run --policy legacy --scheduler pct --iterations 4 --seed 1 --confirm 0 --max-failures 3 \
  --out failures --report report >run.out 2>run.err
check "the campaign names its report" grep -qx 'report: report/index.html' run.out
render report/index.html index
check "the index names the engine and strategy" grep -q 'scheduler pct, depth 3, seeds from 1' index.dom
check "and groups the failures" grep -q '<tr class="group">' index.dom
first=$(grep -o 'href="timelines/[^"]*"' index.dom | head -n 1 | sed 's/href="\(.*\)"/\1/')
check "each group links its timeline ($first)" test -f "report/$first"
render "report/$first" linked
check "which Chromium renders" grep -q 'data-ready="yes"' linked.dom
check "with the engine's own threads of the controlled run" grep -q '<div class="bar thread"' linked.dom
check "the index's screenshot is a PNG" png index.png

finish
