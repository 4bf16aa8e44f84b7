#!/usr/bin/env bash
# Writes OUTFILE: the version and the git commit this build was made from ("unknown" outside a git checkout or
# without git; "+dirty" appended when tracked files differ from that commit), read by dev.jbackprop.api.Jbackprop
# and put into every --json object.
# Usage: src/core/build-info.sh OUTFILE VERSION REPOSITORY_ROOT
set -euo pipefail
out="${1:?usage: build-info.sh OUTFILE VERSION ROOT}"
version="${2:?usage: build-info.sh OUTFILE VERSION ROOT}"
root="${3:?usage: build-info.sh OUTFILE VERSION ROOT}"
commit=unknown
if command -v git >/dev/null 2>&1 && c="$(git -C "$root" rev-parse HEAD 2>/dev/null)"; then
  commit="$c"
  if ! git -C "$root" diff --quiet HEAD -- 2>/dev/null; then commit="$commit+dirty"; fi
fi
mkdir -p "$(dirname "$out")"
tmp="$out.tmp.$$"
printf 'version=%s\ncommit=%s\n' "$version" "$commit" > "$tmp"
# rewrite only when it changed, so that an unchanged build stays up to date
if [[ -f "$out" ]] && cmp -s "$tmp" "$out"; then rm -f "$tmp"; else mv -f "$tmp" "$out"; fi
echo "build info: jbackprop $version, commit $commit"
