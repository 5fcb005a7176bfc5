#!/usr/bin/env bash
# Every relative link of the front door and the docs resolves: README.md,
# docs/**/*.md, harness/README.md and adapters/README.md. A markdown link
# [text](target), an image ![alt](target) and a reference definition
# [name]: target count; a target that is http(s), mailto or a #fragment of the
# same page does not. A #fragment is stripped, and the rest must exist
# relative to the .md file's directory (relative to the repository root if
# it starts with /). Links inside fenced code blocks and `code spans` are not
# links. Also fails if README.md is longer than 150 lines: it is the front
# door, and the rest belongs in docs/.
#
# usage: links_test.sh REPO_ROOT
# Prints each broken link as "FILE: broken link TARGET" and exits 1 if there
# is any; otherwise prints how many links it checked and exits 0.
set -uo pipefail
root=${1:?usage: links_test.sh REPO_ROOT}
cd "$root" || { echo "links_test: no such directory: $root"; exit 2; }

readonly kMaxReadmeLines=150
checked=0
broken=0

# check_target FILE TARGET: counts TARGET, and reports it if it does not resolve.
check_target() {
  local file=$1 target=$2 path
  target=${target#<}
  target=${target%>}
  case "$target" in
    '' | http://* | https://* | mailto:* | '#'*) return ;;
  esac
  checked=$((checked + 1))
  path=${target%%#*}
  path=${path%%\?*}
  path=${path//%20/ }
  if [[ $path == /* ]]; then
    path=.$path
  else
    path=$(dirname "$file")/$path
  fi
  if [ ! -e "$path" ]; then
    echo "$file: broken link $target"
    broken=$((broken + 1))
  fi
}

# check_file FILE: every link of FILE outside code.
check_file() {
  local file=$1 line rest target fenced=0
  local link_re='\]\(([^)[:space:]]*)([[:space:]][^)]*)?\)'
  local span_re='`[^`]*`'
  local definition_re='^[[:space:]]{0,3}\[[^]]+\]:[[:space:]]*([^[:space:]]+)'
  while IFS= read -r line || [ -n "$line" ]; do
    if [[ $line =~ ^[[:space:]]*(\`\`\`|~~~) ]]; then
      fenced=$((1 - fenced))
      continue
    fi
    [ "$fenced" -eq 1 ] && continue
    # Code spans are not links: drop them, keeping the text around them.
    rest=$line
    while [[ $rest =~ $span_re ]]; do rest=${rest/"${BASH_REMATCH[0]}"/code}; done
    if [[ $rest =~ $definition_re ]]; then
      check_target "$file" "${BASH_REMATCH[1]}"
      continue
    fi
    while [[ $rest =~ $link_re ]]; do
      target=${BASH_REMATCH[1]}
      check_target "$file" "$target"
      rest=${rest#*"${BASH_REMATCH[0]}"}
    done
  done <"$file"
}

files=(README.md harness/README.md adapters/README.md)
if [ -d docs ]; then
  while IFS= read -r file; do files+=("$file"); done < <(find docs -name '*.md' | sort)
fi

missing=0
for file in "${files[@]}"; do
  if [ ! -f "$file" ]; then
    echo "$file: missing"
    missing=$((missing + 1))
    continue
  fi
  check_file "$file"
done

status=0
readme_lines=$(wc -l <README.md 2>/dev/null || echo 0)
if [ "$readme_lines" -gt "$kMaxReadmeLines" ]; then
  echo "README.md: $readme_lines lines, more than $kMaxReadmeLines (move the rest to docs/)"
  status=1
fi
if [ "$broken" -gt 0 ] || [ "$missing" -gt 0 ]; then
  echo "links_test: $broken broken of $checked links checked in ${#files[@]} files"
  status=1
else
  echo "links_test: $checked links checked in ${#files[@]} files, all resolve; README.md has $readme_lines lines"
fi
exit "$status"
