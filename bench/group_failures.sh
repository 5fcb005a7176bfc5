#!/usr/bin/env bash
# Groups a campaign's failure artifacts by verdict and by the first stack
# frame of the report that is not lifeguard's own (the engine's), or the
# message's start when there is no stack: one line per distinct failure,
# with a count and one artifact to look at.
#   bench/group_failures.sh DIR
set -euo pipefail
dir=${1:?usage: $0 DIR}
for f in "$dir"/*.sched; do
  [ -e "$f" ] || continue
  case $f in *.min.sched) continue ;; esac
  verdict=$(sed -n 's/^# lifeguard failure: \([a-z_]*\) under.*/\1/p' "$f" | head -n 1)
  outside=$(grep -q '^# outside the contract' "$f" && echo ' (outside the contract)' || true)
  frame=$(grep -E '^#   +#[0-9]+ 0x.* in [^ (]*::' "$f" | grep -v ' in lifeguard::\| in std::\| in __gnu_cxx::' |
          head -n 1 | sed -E 's/.* in ([^(]*)\(.*/\1/' || true)
  [ -n "$frame" ] || frame=$(sed -n 2p "$f" | cut -c3-90)
  printf '%s%s\t%s\t%s\n' "$verdict" "$outside" "$frame" "$f"
done | sort | awk -F'\t' '{ key = $1 "\t" $2; n[key]++; if (!(key in first)) first[key] = $3 }
  END { for (k in n) printf "%4d  %s\t%s\n", n[k], k, first[k] }' | sort -rn
