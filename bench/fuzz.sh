#!/usr/bin/env bash
# Long fuzzing runs of the file readers: the Jazzer fuzz tests that `mvn verify` runs for 60 s each
# (src/test/java/dev/jbackprop/fuzz, pom.xml execution "fuzz"), for as long as you like.
# Usage: bench/fuzz.sh [idx|safetensors|csv|npz|all] [DURATION]    DURATION: seconds, or N s/m/h (default 10m each)
# Extra Maven flags from MVN_FLAGS (e.g. MVN_FLAGS=-o). The log goes to target/fuzz/.
# The generated corpus stays in target/fuzz/.cifuzz-corpus, so a later run goes on from it. A finding
# fails the run and is written to target/fuzz/crash-* (or timeout-*): copy it into
# src/test/resources/dev/jbackprop/fuzz/<Class>Inputs/<method>/, where every run replays it, and fix
# the reader. Replay those inputs without fuzzing: mvn -B test-compile surefire:test@fuzz -Dfuzz.mode=0
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
usage() { echo "usage: bench/fuzz.sh [idx|safetensors|csv|npz|all] [DURATION: seconds, or N s/m/h]" >&2; exit 2; }
reader="${1:-all}"
dur="${2:-10m}"
case "$reader" in
  idx) tests=IdxFuzzTest ;;
  safetensors) tests=SafeTensorsFuzzTest ;;
  csv) tests=CsvFuzzTest ;;
  npz) tests=NpzFuzzTest ;;
  all) tests='*FuzzTest' ;;
  *) usage ;;
esac
case "$dur" in
  *h) seconds=$(( ${dur%h} * 3600 )) ;;
  *m) seconds=$(( ${dur%m} * 60 )) ;;
  *s) seconds=${dur%s} ;;
  *) seconds=$dur ;;
esac
[[ "$seconds" =~ ^[0-9]+$ && "$seconds" -gt 0 ]] || usage # 0 would mean "forever" to libFuzzer
cd "$here"
mkdir -p src/core/target/fuzz
log="src/core/target/fuzz/fuzz-$reader-$(date +%Y%m%d-%H%M%S).log"
echo "fuzzing $reader for ${seconds} s per reader; log: $log"
set +e
# exec.skip: the fuzzers need no CUDA kernels or cuBLAS bridge
mvn -B ${MVN_FLAGS:-} -Dexec.skip -pl src/core test-compile surefire:test@fuzz -Dfuzz.tests="$tests" -Dfuzz.seconds="$seconds" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
set -e
echo "== summary"
grep -E 'Running dev\.jbackprop\.fuzz|stat::(number_of_executed_units|average_exec_per_sec|new_units_added)|Test unit written|Tests run:.*in dev' "$log" || true
exit "$rc"
