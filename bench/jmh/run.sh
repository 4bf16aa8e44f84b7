#!/usr/bin/env bash
# Runs the JMH benchmarks and files the result: bench/results/<date>-<device>.md (environment and
# tables) with the raw JMH JSON beside it (<date>-<device>-jmh.json) and the console log (-jmh.log),
# and, when the run has StepBench results and the Java runtime has java.desktop, the plot of samples/s
# against width and batch (<date>-<device>-sweep.png; see bench/README.md).
# Usage: bench/jmh/run.sh [JMH options and benchmark regexps...]    e.g.
#   bench/jmh/run.sh -f 1 -wi 1 -i 2 -w 1s -r 1s            (short run of the default subsets)
# Env: DEVICE (file name part; default: the GPU's name, else cpu-<cores>c), JAVA (default: java),
#      NOTE (a line added to the report), JAR (default: bench/jmh/target/benchmarks.jar).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
jar="${JAR:-$root/bench/jmh/target/benchmarks.jar}"
java="${JAVA:-java}"
[ -f "$jar" ] || { echo "build first: mvn -B -f bench/jmh/pom.xml -DskipTests package" >&2; exit 1; }
gpu="$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -n1 || true)"
slug() { tr '[:upper:]' '[:lower:]' | sed 's/[^a-z0-9]\+/-/g; s/^-//; s/-$//'; }
device="${DEVICE:-$([ -n "$gpu" ] && echo "${gpu%%,*}" | slug || echo "cpu-$(nproc)c")}"
base="$root/bench/results/$(date +%Y-%m-%d)-$device"
mkdir -p "$root/bench/results"

"$java" -jar "$jar" -rf json -rff "$base-jmh.json" "$@" 2>&1 | tee "$base-jmh.log"

# The sweep plot needs java.desktop, which the GPU bundle's jlink runtime leaves out: then it is made later,
# on a machine with a full JDK, from the JSON that comes back.
plot="java -cp bench/jmh/target/benchmarks.jar dev.jbackprop.bench.SweepPlot bench/results/$(basename "$base-jmh.json")"
if grep -q '"[^"]*\.StepBench\.step"' "$base-jmh.json" 2>/dev/null; then
  if "$java" --list-modules 2>/dev/null | grep -q '^java\.desktop@'; then
    "$java" -cp "$jar" dev.jbackprop.bench.SweepPlot "$base-jmh.json" || echo "sweep plot failed (see above); later: $plot" >&2
  else
    echo "sweep plot skipped: this Java runtime has no java.desktop; make it where there is one: $plot" >&2
  fi
fi

commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)$(git -C "$root" diff --quiet 2>/dev/null || echo ' (dirty)')"
{
  echo "# jbackprop JMH benchmarks, $(date -u +%Y-%m-%d) on $device"
  echo
  echo "- commit: $commit"
  echo "- CPU: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -n1), $(nproc) cores; $(free -g 2>/dev/null | awk '/^Mem:/ {print $2 " GiB"}')"
  echo "- GPU (name, driver, memory): ${gpu:-none}"
  echo "- java: $("$java" -version 2>&1 | head -n1); JMH $(unzip -p "$jar" META-INF/maven/org.openjdk.jmh/jmh-core/pom.properties 2>/dev/null | sed -n 's/^version=//p')"
  echo "- jbackprop info:"
  # the command line is its own module (src/cli); the benchmarks jar holds only the library
  cli_jar="$root/src/cli/target/jbackprop-all.jar"
  if [ -f "$cli_jar" ]; then
    "$java" -jar "$cli_jar" info 2>&1 | sed 's/^/    /'
  else
    echo "    (not built: ./jbackprop info builds src/cli/target/jbackprop-all.jar)"
  fi
  echo "- command: run.sh $*"
  [ -n "${NOTE:-}" ] && echo "- note: $NOTE"
  echo "- raw JMH JSON: $(basename "$base-jmh.json"); console log: $(basename "$base-jmh.log")"
  echo
  python3 "$root/bench/jmh/summarize.py" "$base-jmh.json"
} > "$base.md"
echo "results: $base.md"
