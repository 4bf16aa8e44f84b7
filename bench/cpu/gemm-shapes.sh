#!/usr/bin/env bash
# Compiles bench/cpu/GemmShapes.java against the jar (it is in the CPU backend's package) and runs it.
# Usage: bench/cpu/gemm-shapes.sh [NN:m:n:k | NT:m:n:k ...]    (JAR=... for another jar)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
jar="${JAR:-$root/src/cli/target/jbackprop-all.jar}"
[ -f "$jar" ] || { echo "build first: mvn -B -DskipTests package (or ./jbackprop info)" >&2; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
javac -cp "$jar" -d "$tmp" "$root/bench/cpu/GemmShapes.java"
exec java -cp "$jar:$tmp" dev.jbackprop.backend.cpu.GemmShapes "$@"
