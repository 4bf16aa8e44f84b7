#!/usr/bin/env bash
# The CPU step against the machine's limit (bench/cpu/CpuLimit.java), filed: appends the report, with the
# commit, to bench/results/cpu-limit.md (RESULTS=... for another file). Builds the jar first if needed.
# Usage: bench/cpu/limit.sh [CpuLimit options]     e.g. bench/cpu/limit.sh --rounds 8 --note "quiet machine"
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
"$root/jbackprop" info >/dev/null  # builds src/cli/target/jbackprop-all.jar when it is missing or older than the sources
commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
git -C "$root" diff --quiet HEAD -- src native pom.xml 2>/dev/null || commit="$commit + changes"
exec java -Xmx8g -cp "$root/src/cli/target/jbackprop-all.jar" "$root/bench/cpu/CpuLimit.java" \
  --append "${RESULTS:-$root/bench/results/cpu-limit.md}" --commit "$commit" "$@"
