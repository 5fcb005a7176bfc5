#!/usr/bin/env bash
# The harness's folders are floors (harness/README.md): a file includes only
# its own folder and the folders below it, and a public header
# (include/lifeguard/harness/X.h) lives on the floor of its X.cc.
# usage: layers_test.sh REPO_ROOT
set -uo pipefail
root=${1:?usage: layers_test.sh REPO_ROOT}
src=$root/harness/src include=$root/harness/include/lifeguard/harness

# Floors, bottom first; folders on one floor do not include each other.
declare -A floor=([model]=0 [generate]=1 [judge]=1 [run]=2 [report]=3 [cli]=4)
# Public headers without a .cc of their own name, and where they live.
declare -A home=([handle_slots]=model [program]=model [report]=report)

home_of() {  # a public header's name without .h -> its folder
  local name=$1 found
  [ -n "${home[$name]:-}" ] && { echo "${home[$name]}"; return; }
  found=$(cd "$src" && ls -- */"$name.cc" 2>/dev/null | grep -v "^cli/" | head -n 1)  # no public header is the CLI's
  [ -n "$found" ] && echo "${found%%/*}"
}

failures=0 checked=0
fail() { echo "layers: $*"; failures=$((failures + 1)); }

# check FILE FOLDER: every include of FILE is on FOLDER's floor or below.
check() {
  local file=$1 from=$2 line target to
  while IFS= read -r line; do
    target=${line#*\"}; target=${target%\"*}
    case "$target" in
      lifeguard/harness/*) local name=${target#lifeguard/harness/}; to=$(home_of "${name%.h}") ;;
      */*.h) to=${target%%/*} ;;
      *) continue ;;
    esac
    if [ -z "${floor[$to]:-}" ]; then  # another layer's header (lifeguard/sync/...) is below the harness
      [[ $target == lifeguard/* ]] || fail "$file includes $target, in no known folder"
      continue
    fi
    checked=$((checked + 1))
    if [ "$to" != "$from" ] && [ "${floor[$to]}" -ge "${floor[$from]}" ]; then
      fail "${file#$root/} ($from) includes $target ($to): not a floor below"
    fi
  done < <(grep -h '^#include "' "$file")
}

for dir in "$src"/*/; do
  folder=$(basename "$dir")
  [ -n "${floor[$folder]:-}" ] ||
    fail "harness/src/$folder is not a known floor (add it to this test and harness/README.md)"
done
for file in "$src"/*; do [ -f "$file" ] && fail "${file#$root/} is not in a floor's folder"; done
for folder in "${!floor[@]}"; do
  for file in "$src/$folder"/*; do [ -f "$file" ] && check "$file" "$folder"; done
done
for header in "$include"/*.h; do
  name=$(basename "$header" .h) folder=$(home_of "$name")
  if [ -z "$folder" ]; then fail "${header#$root/} has no $name.cc in any floor, nor a home in this test"; continue; fi
  check "$header" "$folder"
done
echo "layers: $checked includes checked, $failures out of place"
[ "$failures" -eq 0 ]
