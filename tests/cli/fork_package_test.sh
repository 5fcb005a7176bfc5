#!/usr/bin/env bash
# A fork of the kuzu package that ./run does not know is named on the command
# line: `./run fetch node:kuzu@FORK-VERSION --package NPM_PACKAGE` installs
# it under the name kuzu (an npm alias), and `--engine node:kuzu@FORK-VERSION`
# runs it through the kuzu driver. Here @ladybugdb/core under a made-up fork
# name (npm's cache has its tarball from ./run's own fetch of ladybug).
# usage: fork_package_test.sh RUN LIFEGUARD ENGINES_DIR WORK_DIR ladybug-VERSION
set -uo pipefail
source "$(dirname "$0")/checks.sh"
run=$1 lifeguard=$2 engines=$3 work=$4 version=${5#*-}  # ladybug-X.Y.Z: X.Y.Z
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 2
fork=forktest-$version
trap 'rm -rf "$engines/node-kuzu-$fork"' EXIT

"$run" fetch "node:kuzu@$version" --package @ladybugdb/core >usage.out 2>&1
check "a version without a fork name is refused (exit 2)" test $? -eq 2
check "with a usage line" grep -q 'usage: ./run fetch node:NAME@FORK-VERSION --package' usage.out

"$run" fetch "node:kuzu@$fork" --package @ladybugdb/core >fetch.out 2>&1
check "the fork is fetched" test $? -eq 0
check "under the name kuzu" grep -q '"name": "@ladybugdb/core"' "$engines/node-kuzu-$fork/node_modules/kuzu/package.json"

"$lifeguard" run --engine "node:kuzu@$fork" --iterations 2 --seed 1 --max-failures 0 --confirm 0 >campaign.out 2>&1
check "a campaign runs it through the kuzu driver" grep -q "^summary: engine node:kuzu@$fork, .* 2 schedules" campaign.out

"$lifeguard" run --engine node:kuzu@nosuchfork-0.0.1 --iterations 1 >unknown.out 2>&1
check "an unknown fork is an error (exit 2)" test $? -eq 2
check "that says how to name its package" grep -q -- "--package NPM_PACKAGE" unknown.out
finish
