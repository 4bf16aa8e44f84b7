#!/usr/bin/env bash
# Builds OUTDIR/libcublas.so.12, the bridge that lets JCuda 12.6's JCublas2 run on cuBLAS 13 (see README.md).
# Needs only gcc (and awk); without gcc, or off x86-64 Linux, it says so and succeeds.
# Usage: native/build.sh OUTDIR
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out_dir="${1:?usage: native/build.sh OUTDIR}"
out="$out_dir/libcublas.so.12"
cc="${CC:-gcc}"

if [[ "$(uname -s)" != Linux || "$(uname -m)" != x86_64 ]]; then
  echo "cuBLAS bridge: not built (only for x86-64 Linux, this is $(uname -s) $(uname -m))"
  exit 0
fi
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "cuBLAS bridge: not built ($cc not found); JCublas2 will then need a real libcublas.so.12"
  exit 0
fi

inputs=("$here/cublas12-symbols.txt" "$here/gen-stubs.awk" "$here/bridge.S" "$here/bridge.c" "$here/build.sh")
if [[ -f "$out" ]]; then
  stale=0
  for f in "${inputs[@]}"; do [[ "$f" -nt "$out" ]] && stale=1; done
  if [[ $stale == 0 ]]; then echo "cuBLAS bridge: up to date ($out)"; exit 0; fi
fi

mkdir -p "$out_dir"
gen="$(mktemp -d)"
trap 'rm -rf "$gen"' EXIT
awk -v what=stubs -f "$here/gen-stubs.awk" "$here/cublas12-symbols.txt" > "$gen/stubs.inc"
awk -v what=map -f "$here/gen-stubs.awk" "$here/cublas12-symbols.txt" > "$gen/bridge.map"
# libdl.so.2 named explicitly: on glibc < 2.34 the dl* functions bound in bridge.c live there
"$cc" -shared -fPIC -O2 -Wall -Wextra -Werror -I"$gen" \
  -Wl,-soname,libcublas.so.12 -Wl,--version-script,"$gen/bridge.map" -Wl,-z,noexecstack \
  -o "$gen/libcublas.so.12" "$here/bridge.c" "$here/bridge.S" -Wl,--no-as-needed -l:libdl.so.2
mv -f "$gen/libcublas.so.12" "$out"
echo "cuBLAS bridge: built $out ($(grep -vcE '^[[:space:]]*(#|$)' "$here/cublas12-symbols.txt") names)"
