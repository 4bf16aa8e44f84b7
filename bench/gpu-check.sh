#!/usr/bin/env bash
# The GPU check, in tiers, within a time budget, with the report rewritten after every tier:
#   1 smoke       jbackprop info; one training step; verify on three small networks (one per GEMM precision);
#                 one throughput run (one JVM for all but info); about 30 s on an H200 (not measured yet)
#   2 gpu-tests   the gpu-tagged JUnit tests
#   3 verify      `jbackprop verify` over bench/verify-matrix.txt (every activation and cost, odd sizes, sizes
#                 above 4096, FP32, TF32 and BF16), all in one JVM
#   4 throughput  full training steps on three networks, FP32/TF32/BF16, graphs and eager
# A tier is skipped, and the report says so, when less than its minimum time is left; tiers 3 and 4 stop
# between cases at the deadline and list what they left out; a tier still running at the deadline is cut.
# Without a GPU (no nvidia-smi, no /dev/nvidia*) it writes the report at once and exits 1.
# Runs from a bundle (bench/bundle.sh: no JDK or Maven needed) or from a source checkout after mvn package.
#
# Usage: gpu-check.sh [--out DIR] [--budget SECONDS] [DIR]
#   --out DIR         where report.md, report.json and every log go (default ./gpu-check-<date-time>)
#   --budget SECONDS  wall-clock budget for everything (default 540)
# Exit code: 0 every tier that ran passed (and none was skipped or cut), 1 otherwise.
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
start=$(date +%s)
budget=540
out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="${2:?--out needs a folder}"; shift 2 ;;
    --budget) budget="${2:?--budget needs seconds}"; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    -*) echo "gpu-check: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) out="$1"; shift ;;
  esac
done
case "$budget" in ''|*[!0-9]*) echo "gpu-check: --budget must be whole seconds, not '$budget'" >&2; exit 2 ;; esac
deadline=$((start + budget))
out="${out:-$PWD/gpu-check-$(date +%Y%m%d-%H%M%S)}"
mkdir -p "$out" || { echo "gpu-check: cannot create $out" >&2; exit 1; }
out="$(cd "$out" && pwd)"
left() { echo $((deadline - $(date +%s))); }

# ---- tiers and the report -------------------------------------------------------------------------------
names=(smoke gpu-tests verify throughput)
declare -A status seconds
for t in "${names[@]}"; do status[$t]="not run"; seconds[$t]=0; done
commit=unknown; device=""; blocker=""
fail=0

write_report() {
  {
    echo "# GPU check $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo
    echo "- commit: $commit"
    echo "- budget: ${budget} s, used $(( $(date +%s) - start )) s"
    [ -n "$device" ] && echo "- device (nvidia-smi: name, driver, memory, compute capability): $device"
    if [ -n "$blocker" ]; then echo; echo "**Nothing checked: $blocker**"; fi
    if [ -s "$out/info.txt" ]; then echo "- jbackprop info:"; sed 's/^/    /' "$out/info.txt"; fi
    echo
    echo "| tier | result | seconds |"
    echo "|---|---|---|"
    for t in "${names[@]}"; do echo "| $t | ${status[$t]} | ${seconds[$t]} |"; done
    if [ -s "$out/smoke.txt" ]; then
      echo; echo "## smoke"; echo '```'
      grep -E '^(\$ |exit |PASS|FAIL|SKIPPED|all passed|[0-9]+ failed|best test|\{)' "$out/smoke.txt"; echo '```'
    fi
    if [ -s "$out/gpu-tests.txt" ]; then
      echo; echo "## gpu-tagged tests"; echo '```'
      grep -E "tests (successful|failed|skipped|aborted|found)|✘|FAILED" "$out/gpu-tests.txt" | head -60; echo '```'
    fi
    if [ -s "$out/verify.txt" ]; then
      echo; echo "## verify: $(grep -c '^PASS' "$out/verify.txt") passed, $(grep -c '^FAILED:' "$out/verify.txt") failed,"\
        "$(grep -c '^SKIPPED' "$out/verify.txt") skipped for time"
      echo '```'; grep -E '^(PASS|FAIL|SKIPPED|jbackprop:)' "$out/verify.txt"; echo '```'
    fi
    if [ -s "$out/throughput.jsonl" ] || [ -s "$out/throughput.txt" ]; then
      echo; echo "## throughput"; echo '```'; cat "$out/throughput.jsonl" 2>/dev/null; grep -h SKIPPED "$out/throughput.txt" 2>/dev/null; echo '```'
    fi
    echo
    echo "result: $([ $fail = 0 ] && echo GREEN || echo FAILED)"
  } > "$out/report.md"
  if command -v python3 >/dev/null 2>&1; then
    python3 - "$out" "$commit" "$fail" "$budget" "$blocker" <<'PY' 2>/dev/null || true
import json, sys, pathlib
out, commit, fail, budget, blocker = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3] == "1", int(sys.argv[4]), sys.argv[5]
def read(name):
    p = out / name
    return p.read_text(errors="replace") if p.exists() else ""
tiers = {}
for line in read("report.md").splitlines():
    cells = [c.strip() for c in line.strip("|").split("|")]
    if len(cells) == 3 and cells[0] in ("smoke", "gpu-tests", "verify", "throughput"):
        tiers[cells[0]] = {"result": cells[1], "seconds": int(cells[2])}
tp = [json.loads(l) for l in read("throughput.jsonl").splitlines() if l.strip().startswith("{")]
v = read("verify.txt").splitlines() + read("smoke.txt").splitlines()
json.dump({"commit": commit, "budget_s": budget, "blocker": blocker or None, "nvidia_smi": read("nvidia-smi.txt").strip(),
           "info": read("info.txt"), "tiers": tiers, "verify": [l for l in v if l.startswith(("PASS", "FAIL", "SKIPPED"))],
           "throughput": tp, "green": not fail},
          open(out / "report.json", "w"), indent=2)
PY
  fi
}

# run_tier NAME MIN_SECONDS COMMAND...: skipped below MIN_SECONDS left; a program is cut at the deadline (5 s kept
# for the report), a shell function (the throughput tier) cuts its own commands
run_tier() {
  local t=$1 min=$2; shift 2
  local l; l=$(left)
  if [ "$l" -lt "$min" ]; then
    status[$t]="skipped: ${l} s left, needs at least ${min} s"; fail=1; write_report; return
  fi
  local t0; t0=$(date +%s)
  if [ "$(type -t "$1")" = function ]; then "$@"; else timeout --kill-after=2 $((l - 5)) "$@"; fi
  local rc=$?
  seconds[$t]=$(( $(date +%s) - t0 ))
  if [ $rc = 124 ] || [ $rc = 137 ]; then status[$t]="cut short at the deadline"; fail=1
  elif [ $rc = 0 ]; then status[$t]="passed"
  else status[$t]="FAILED (exit $rc)"; fail=1; fi
  write_report
}

# ---- a GPU at all? ------------------------------------------------------------------------------------------
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=name,driver_version,memory.total,compute_cap --format=csv,noheader > "$out/nvidia-smi.txt" 2>&1
  device="$(tr '\n' ';' < "$out/nvidia-smi.txt")"
elif ! ls /dev/nvidia[0-9]* >/dev/null 2>&1; then
  blocker="no NVIDIA GPU on this machine (nvidia-smi not found, no /dev/nvidia* device)"
fi
if [ -x "$here/runtime/bin/java" ]; then            # inside a bundle
  java="$here/runtime/bin/java"; lib="$here/lib"; matrix="$here/verify-matrix.txt"
  commit="$(head -n1 "$here/COMMIT" 2>/dev/null || echo unknown)"
else                                                  # source checkout: bench/..
  root="$(cd "$here/.." && pwd)"; java="${JAVA_HOME:+$JAVA_HOME/bin/}java"; lib="$root/target/gpu-check-lib"
  matrix="$root/bench/verify-matrix.txt"; commit="$(git -C "$root" rev-parse HEAD 2>/dev/null || echo unknown)"
  all="$root/src/cli/target/jbackprop-all.jar"; tc_core="$root/src/core/target/test-classes"; tc_cli="$root/src/cli/target/test-classes"
  if [ -z "$blocker" ]; then
    if [ ! -f "$all" ] || [ ! -d "$tc_core" ] || [ ! -d "$tc_cli" ]; then
      blocker="not built: run mvn -B package (and test-compile) first, or use bench/bundle.sh"
    else
      mkdir -p "$lib" && cp "$all" "$lib/" \
        && jar --create --file "$lib/jbackprop-tests.jar" -C "$tc_core" . -C "$tc_cli" . \
        || blocker="could not assemble $lib from target/"
    fi
  fi
fi
if [ -n "$blocker" ]; then
  fail=1; for t in "${names[@]}"; do status[$t]="skipped: $blocker"; done
  write_report; echo "gpu-check: FAILED: $blocker; report in $out/report.md"; exit 1
fi
jvm=("$java" -Xmx16g -Djava.awt.headless=true)
cp_all="$lib/jbackprop-all.jar:$lib/jbackprop-tests.jar"

# ---- 1. smoke -----------------------------------------------------------------------------------------------
"${jvm[@]}" -jar "$lib/jbackprop-all.jar" info > "$out/info.txt" 2>&1
if ! grep -q "^cuda: available" "$out/info.txt"; then
  blocker="the GPU backend is not available here (see jbackprop info below)"; fail=1
  for t in "${names[@]}"; do status[$t]="skipped: GPU backend not available"; done
  write_report; cat "$out/info.txt"; echo "gpu-check: FAILED (no usable GPU); report in $out/report.md"; exit 1
fi
run_tier smoke 30 "${jvm[@]}" -cp "$cp_all" dev.jbackprop.cli.GpuCheckMain smoke "$out" "$matrix" "$deadline" \
  > "$out/smoke.txt" 2>&1
tail -n 3 "$out/smoke.txt"

# ---- 2. gpu-tagged tests ------------------------------------------------------------------------------------
console="$(ls "$lib"/junit-platform-console-standalone-*.jar 2>/dev/null | head -n1)"
if [ -n "$console" ]; then
  # testfeed: a line per test as it ends, so a cut run still shows what passed
  run_tier gpu-tests 60 "${jvm[@]}" -jar "$console" execute --class-path "$cp_all" \
    --scan-class-path "$lib/jbackprop-tests.jar" --include-tag gpu --details=testfeed --disable-banner --disable-ansi-colors \
    --reports-dir "$out/junit" > "$out/gpu-tests.txt" 2>&1
  tail -n 12 "$out/gpu-tests.txt"
else
  status[gpu-tests]="skipped: no JUnit console launcher in $lib (a bundle has one)"; fail=1; write_report
fi

# ---- 3. verify matrix (one JVM) -------------------------------------------------------------------------
run_tier verify 20 "${jvm[@]}" -cp "$cp_all" dev.jbackprop.cli.GpuCheckMain verify "$matrix" matrix "$deadline" \
  > "$out/verify.txt" 2>&1
grep -c '^PASS' "$out/verify.txt" | sed 's/$/ verify cases passed/'
grep -q '^SKIPPED' "$out/verify.txt" && { status[verify]="${status[verify]}; cases left out for time"; fail=1; write_report; }

# ---- 4. throughput --------------------------------------------------------------------------------------
throughput() {
  : > "$out/throughput.jsonl"; : > "$out/throughput.txt"
  local rc=0 runs=()
  for spec in "784,100,10 128" "784,1024,1024,10 1024" "784,4096,4096,4096,10 4096"; do
    for prec in "" "--tf32" "--bf16"; do runs+=("$spec $prec"); done
  done
  runs+=("784,100,10 128 --no-graph") # where launch overhead dominates, eagerly too: graph against eager
  for r in "${runs[@]}"; do
    set -- $r
    if [ "$(left)" -lt 20 ]; then echo "SKIPPED (time budget): throughput --layers $1 --batch $2 ${3:-}" >> "$out/throughput.txt"; rc=1; continue; fi
    timeout --kill-after=2 $(( $(left) - 5 )) "${jvm[@]}" -jar "$lib/jbackprop-all.jar" throughput --backend cuda --json \
      --layers "$1" --activation relu --cost cross-entropy --batch "$2" --steps 100 --warmup 20 ${3:-} \
      >> "$out/throughput.jsonl" 2>> "$out/throughput.txt" || rc=$?
  done
  return $rc
}
run_tier throughput 20 throughput

echo "gpu-check: $([ $fail = 0 ] && echo GREEN || echo FAILED); report in $out/report.md"
exit $fail
