#!/usr/bin/env bash
# Builds OUTDIR/libjbackprop_cpu.so, the CPU backend's vectorised elementwise loops (cpu_kernels.c), its
# optimiser loops (cpu_optim.c) and its GEMM for small layers (cpu_gemm.c).
# Needs gcc and a JDK's jni.h; without them, or off x86-64 Linux, it says so and succeeds, and the CPU
# backend runs its Java loops instead (same results, slower).
# Usage: native/cpu/build.sh OUTDIR [JAVA_HOME]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out_dir="${1:?usage: native/cpu/build.sh OUTDIR [JAVA_HOME]}"
out="$out_dir/libjbackprop_cpu.so"
cc="${CC:-gcc}"
jdk="${2:-${JAVA_HOME:-}}"
if [[ -z "$jdk" ]] && command -v javac >/dev/null 2>&1; then jdk="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"; fi

if [[ "$(uname -s)" != Linux || "$(uname -m)" != x86_64 ]]; then
  echo "CPU kernels: not built (only for x86-64 Linux, this is $(uname -s) $(uname -m)); the CPU backend uses its Java loops"
  exit 0
fi
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "CPU kernels: not built ($cc not found); the CPU backend uses its Java loops"
  exit 0
fi
if [[ ! -f "$jdk/include/jni.h" ]]; then
  echo "CPU kernels: not built (no jni.h under '$jdk/include'; set JAVA_HOME to a JDK); the CPU backend uses its Java loops"
  exit 0
fi

if [[ -f "$out" && ! "$here/cpu_kernels.c" -nt "$out" && ! "$here/cpu_optim.c" -nt "$out" && ! "$here/cpu_gemm.c" -nt "$out" \
  && ! "$here/build.sh" -nt "$out" ]]; then
  echo "CPU kernels: up to date ($out)"
  exit 0
fi
mkdir -p "$out_dir"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# -ffp-contract=off: no FMA contraction, so every float is the one Java computes (Java never contracts)
"$cc" -shared -fPIC -O3 -std=c11 -Wall -Wextra -Werror -ffp-contract=off -fno-math-errno -fvisibility=default \
  -I"$jdk/include" -I"$jdk/include/linux" -Wl,-z,noexecstack -o "$tmp/libjbackprop_cpu.so" "$here/cpu_kernels.c" \
  "$here/cpu_optim.c" "$here/cpu_gemm.c"
mv -f "$tmp/libjbackprop_cpu.so" "$out"
echo "CPU kernels: built $out"
