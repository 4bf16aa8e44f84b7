#!/usr/bin/env bash
# The scaling model of train --workers N (issue 19 item 4): step time = compute(batch/N) + all-reduce(parameters, N)
# + fixed overhead, its terms measured on this machine for the default network and the wide one:
#   compute(m)   ./jbackprop train --threads 1 --batch m, one process: seconds per step from the epoch lines
#                (batch / samples per second; median of epochs 2.., epoch 1 has the JIT warming up);
#   step(N)      train --workers 2 --batch 64 --threads 1 on local-cluster[2,1,2048] (two executor JVMs) and on
#                local[2] (two threads of one JVM): worker 0's epoch lines, seconds per global step;
#   all-reduce   CollectiveBench on local-cluster[2,1,1024] in the same session (the checked sum's median), if
#                COLLECTIVE=1 (it needs the module's test class path; ~1 min more);
#   overhead     step(N) − compute(batch/N) − all-reduce.
# Usage: bench/train-workers.sh [WORKDIR]   (default /tmp/jbackprop-workers-bench; MNIST from the jbackprop cache)
# Env: NETS ("784,256,10 784,1024,1024,10"), ARGS ("--epochs 4 --train-size 6400"), COLLECTIVE (0)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-/tmp/jbackprop-workers-bench}"
read -r -a nets <<< "${NETS:-784,256,10 784,1024,1024,10}"
read -r -a args <<< "${ARGS:---epochs 4 --train-size 6400}"
rm -rf "$work" && mkdir -p "$work/spark-home/jars"
jb="$root/jbackprop"
"$jb" train --workers 2 --help > /dev/null  # builds the Spark jar when needed
jar="$root/src/spark/dist/target/jbackprop-spark-all.jar"
cp="$jar:$(cat "$root/src/spark/target/spark-classpath.txt")"

# seconds per step of a run's log: batch / samples-per-second, median over epochs 2..
per_step() { # log batch
  grep -E '^epoch +[0-9]+/' "$1" | tail -n +2 | sed -E 's/.* ([0-9,]+) samples\/s.*/\1/; s/,//g' \
    | awk -v b="$2" '{print 1000 * b / $1}' | sort -g | awk '{a[NR]=$1} END {if (NR == 0) print "n/a";
      else if (NR % 2) printf "%.2f", a[(NR+1)/2]; else printf "%.2f", (a[NR/2] + a[NR/2+1]) / 2}'
}

echo "# train --workers: the terms of the scaling model ($(date -u +%Y-%m-%dT%H:%MZ))"
echo
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; ARGS=${args[*]}"
echo
echo "| network | compute(64) ms | compute(32) ms | step, 2 workers, local-cluster ms | step, 2 workers, local[2] ms |"
echo "|---|---:|---:|---:|---:|"
for net in "${nets[@]}"; do
  tag="${net//,/-}"
  for b in 64 32; do
    "$jb" train --layers "$net" --backend cpu --threads 1 --batch "$b" --no-progress "${args[@]}" \
      --out "$work/one-$tag-$b" > "$work/one-$tag-$b.log" 2>&1
  done
  SPARK_HOME="$work/spark-home" SPARK_SCALA_VERSION=2.13 java @"$root/src/spark/jvm/spark-java17.args" \
    -Djava.awt.headless=true -Dspark.executor.extraClassPath="$cp" -Dspark.executor.memory=1536m \
    -Dspark.worker.dir="$work/spark-home/work" -cp "$cp" dev.jbackprop.cli.Main train --workers 2 \
    --spark 'local-cluster[2,1,2048]' --layers "$net" --backend cpu --threads 1 --batch 64 "${args[@]}" \
    --out "$work/cluster-$tag" > "$work/cluster-$tag.log" 2>&1
  "$jb" train --workers 2 --spark 'local[2]' --layers "$net" --backend cpu --threads 1 --batch 64 "${args[@]}" \
    --out "$work/local-$tag" > "$work/local-$tag.log" 2>&1
  echo "| [$net] | $(per_step "$work/one-$tag-64.log" 64) | $(per_step "$work/one-$tag-32.log" 32) |" \
    "$(per_step "$work/cluster-$tag.log" 64) | $(per_step "$work/local-$tag.log" 64) |"
done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "${COLLECTIVE:-0}" = 1 ]; then
  (cd "$root/src/spark" && mvn -B -q -o test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/test-classpath.txt -Dmdep.includeScope=test > /dev/null)
  echo
  (cd "$root/src/spark" && SPARK_HOME="$work/spark-home" SPARK_SCALA_VERSION=2.13 java @jvm/spark-java17.args \
    -cp "$PWD/target/test-classes:$PWD/target/classes:$(cat target/test-classpath.txt)" \
    dev.jbackprop.spark.bench.CollectiveBench 'local-cluster[2,1,1024]' 2>/dev/null)
fi
