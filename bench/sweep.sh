#!/usr/bin/env bash
# jbackprop sweep on one machine (issue 19): a sweep of 4 configurations on an embedded local[2] Spark against the same
# 4 runs one after another, and Spark's start cost.
#   1. sequential: ./jbackprop train for each configuration, one JVM each, with --threads 2 (all cores: what a user
#      running them one by one gets) and with --threads 1 (what each run of the sweep gets);
#   2. the sweep: ./jbackprop sweep --spark local[2] (two runs at a time, one core each), all four in one JVM;
#   3. Spark's start: the SparkContext start the sweep prints ("started in"), and the wall time of a sweep of one
#      one-step run against train's one step (JVM start, data, Spark start and stop).
# Usage: bench/sweep.sh [WORKDIR]      (default /tmp/jbackprop-sweep-bench; MNIST from the jbackprop cache)
# Env: GRID ("eta=0.05,0.1;hidden=64,128"), ARGS ("--epochs 2 --train-size 50000"), OUT (report file; default
#      bench/results/<date>-sweep.md)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-/tmp/jbackprop-sweep-bench}"
grid="${GRID:-eta=0.05,0.1;hidden=64,128}"
read -r -a args <<< "${ARGS:---epochs 2 --train-size 50000}"
out="${OUT:-$root/bench/results/$(date +%Y-%m-%d)-sweep.md}"
jb="$root/jbackprop"
rm -rf "$work" && mkdir -p "$work"

"$jb" sweep --grid "$grid" --dry-run "${args[@]}" > "$work/plan.txt"  # builds both jars when needed
"$jb" info > /dev/null

now() { date +%s.%N; }
secs() { echo "$1 $2" | awk '{printf "%.1f", $2 - $1}'; }

# the sweep's configurations, as train options (the plan's lines: run-NNN  k=v ...  ARGS)
mapfile -t plan < <(tail -n +2 "$work/plan.txt")
load0="$(cut -d' ' -f1-3 /proc/loadavg)"

seq2=0; seq1=0; rows=""
for line in "${plan[@]}"; do
  name="${line%% *}"
  read -r -a run_args <<< "$(echo "$line" | sed -E 's/^run-[0-9]+ +[^-]* +//; s/--threads [0-9]+ //')"
  for t in 2 1; do
    s="$(now)"
    "$jb" train "${run_args[@]}" --threads "$t" --out "$work/seq$t-$name" > "$work/seq$t-$name.log" 2>&1
    e="$(now)"
    d="$(secs "$s" "$e")"
    if [ "$t" = 2 ]; then seq2="$(echo "$seq2 $d" | awk '{print $1 + $2}')"; else seq1="$(echo "$seq1 $d" | awk '{print $1 + $2}')"; fi
    rows+="| $name | ${run_args[*]} | $t | $d | $(tail -n 1 "$work/seq$t-$name.log" | sed 's/;.*//') |"$'\n'
  done
done

s="$(now)"
"$jb" sweep --spark 'local[2]' --grid "$grid" "${args[@]}" --out "$work/sweep" > "$work/sweep.log" 2>&1
e="$(now)"
sweep_wall="$(secs "$s" "$e")"
started="$(sed -n 's/.*(started in \([0-9.]*\) s).*/\1/p' "$work/sweep.log")"

s="$(now)"
"$jb" train --steps 1 --epochs 1 --train-size 50000 --threads 1 --out "$work/one-train" > "$work/one-train.log" 2>&1
e="$(now)"
one_train="$(secs "$s" "$e")"
s="$(now)"
"$jb" sweep --spark 'local[2]' --grid "eta=0.05" --steps 1 --epochs 1 --train-size 50000 --out "$work/one-sweep" \
  > "$work/one-sweep.log" 2>&1
e="$(now)"
one_sweep="$(secs "$s" "$e")"
one_started="$(sed -n 's/.*(started in \([0-9.]*\) s).*/\1/p' "$work/one-sweep.log")"

{
  echo "# jbackprop sweep on local[2], $(date -u +%Y-%m-%d)"
  echo
  echo "- commit: $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet || echo ' (dirty)')"
  echo "- CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -n1), $(nproc) cores; load average before: $load0," \
    "after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- Java: $(java -version 2>&1 | head -n1); Spark 3.5.8 embedded"
  echo "- command: GRID='$grid' ARGS='${args[*]}' bench/sweep.sh $*"
  echo
  echo "## Sequential: ./jbackprop train per configuration (one JVM each)"
  echo
  echo "| run | train options | threads | wall s | last line |"
  echo "|---|---|---:|---:|---|"
  printf "%s" "$rows"
  echo
  echo "Sum of the four: $seq2 s with --threads 2, $seq1 s with --threads 1."
  echo
  echo "## The sweep: ./jbackprop sweep --spark local[2], one core per run"
  echo
  echo "Wall time $sweep_wall s (SparkContext start $started s of it)."
  echo
  echo '```'
  cat "$work/sweep.log"
  echo '```'
  echo
  echo "## Spark's start"
  echo
  echo "One one-step run: ./jbackprop train $one_train s; ./jbackprop sweep of it $one_sweep s (SparkContext start" \
    "$one_started s)."
} > "$out"
cat "$out"
