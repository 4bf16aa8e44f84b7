#!/usr/bin/env bash
# Data loading figures (issue 15): CSV load speed and the peak memory of loading MNIST.
#   1. writes a numeric CSV of about $MB MB (32 float features "%.6f", an integer label; header) and MNIST as CSV
#      (label first, pixels 0..255, no header) under WORKDIR, once;
#   2. reads each $REPEATS times in one JVM with Csv.read: MB/s of file bytes (wall) and MB per CPU-second of the
#      process; the first run is a cold JVM, as a command-line user gets it;
#   3. peak RSS (VmHWM) of a fresh JVM that loads MNIST from the IDX files (Mnist.readDir) and from the CSV;
#      with BEFORE=<commit>, the IDX load also with that commit's data package (the float path before this one).
# Usage: bench/data-load.sh [WORKDIR]      (default /tmp/jbackprop-data-bench)
# Env: MB (300), REPEATS (5), JAVA_OPTS (-Xmx8g, as ./jbackprop), BEFORE (unset), OUT (report file; default
#      bench/results/<date>-data-load.md)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-/tmp/jbackprop-data-bench}"
mb="${MB:-300}"
repeats="${REPEATS:-5}"
opts="${JAVA_OPTS:--Xmx8g}"
out="${OUT:-$root/bench/results/$(date +%Y-%m-%d)-data-load.md}"
jar="$root/src/cli/target/jbackprop-all.jar"
mkdir -p "$work"
if [ ! -f "$jar" ] || [ -n "$(find "$root/src/core/src/main" "$root/src/cli/src/main" "$root/pom.xml" -newer "$jar" -type f 2>/dev/null | head -n 1)" ]; then
  (cd "$root" && mvn -q -B -DskipTests -Dmaven.javadoc.skip=true -pl src/cli -am package)
fi
classes="$work/classes"
rm -rf "$classes" && mkdir -p "$classes"
javac -d "$classes" -cp "$jar" "$root"/bench/data/*.java
run() { java $opts -cp "$classes:$jar" "$@"; }

[ -f "$work/numeric.csv" ] || run DataLoadBench gen-numeric "$work/numeric.csv" "$mb" 1
[ -f "$work/mnist_train.csv" ] || run DataLoadBench mnist-csv "$work"

{
  echo "# Data loading, $(date -u +%Y-%m-%d)"
  echo
  echo "- commit: $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet || echo ' (dirty)')"
  echo "- CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -n1), $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- Java: $(java -version 2>&1 | head -n1); options: $opts"
  echo "- command: ${BEFORE:+BEFORE=$BEFORE }bench/data-load.sh $*  (MB=$mb REPEATS=$repeats)"
  echo
  echo "## CSV load speed (Csv.read, $repeats runs in one JVM; run 1 is cold)"
  echo
  echo '```'
  run DataLoadBench load "$work/numeric.csv" label "$repeats"
  run DataLoadBench load "$work/mnist_train.csv" 0 "$repeats"
  echo '```'
  echo
  echo "## Peak memory of loading MNIST (fresh JVM each)"
  echo
  echo '```'
  cache="$(run DataLoadBench cache-dir)"
  echo "IDX ($cache): $(run LoadRss "$cache")"
  echo "CSV (mnist_train.csv + mnist_test.csv): $(run DataLoadBench rss-csv "$work/mnist_train.csv" 0 "$work/mnist_test.csv")"
  if [ -n "${BEFORE:-}" ]; then
    before="$work/before-$BEFORE"
    rm -rf "$before" && mkdir -p "$before/src"
    for f in $(git -C "$root" ls-tree -r --name-only "$BEFORE" src/main/java/dev/jbackprop/data src/main/java/dev/jbackprop/io/BadFileException.java); do
      mkdir -p "$before/src/$(dirname "$f")" && git -C "$root" show "$BEFORE:$f" > "$before/src/$f"
    done
    javac -d "$before/classes" -cp "$jar" $(find "$before/src" -name '*.java') "$root/bench/data/LoadRss.java"
    echo "IDX, data package of $BEFORE: $(java $opts -cp "$before/classes:$jar" LoadRss "$cache")"
  fi
  echo '```'
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out"
