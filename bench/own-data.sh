#!/usr/bin/env bash
# Own-data figures (issue 15): peak memory of `jbackprop train` before/after, MNIST as CSV against IDX, a regression
# and a small multi-class CSV example, predict. Figures, not tests: run it on an otherwise quiet machine.
#   1. builds the jar of $BEFORE (default 149a06f, the data layer before the engine held data compactly) from a
#      `git archive` export under WORKDIR (offline Maven), and this checkout's jar;
#   2. writes MNIST as CSV (label first, no header: bench/data DataLoadBench), a 300,000-image IDX set (MNIST's
#      training images five times: 235 MB of pixels, the size the issue names) and two generated CSV sets;
#   3. peak RSS (/usr/bin/time %M) of `train --epochs 1` on MNIST IDX, the 300k IDX set (before and after)
#      and MNIST CSV (after only: the CSV options are new);
#   4. full default training (8 epochs, CPU) on MNIST from IDX and from CSV (`--train mnist_train.csv --test
#      mnist_test.csv --label-column 0`; its default normalisation is minmax, the pixel rule; once more with
#      --normalize standard), the regression and multi-class examples with eval, and predict.
# Usage: bench/own-data.sh [WORKDIR]      (default /tmp/jbackprop-own-data)
# Env: BEFORE (149a06f), JAVA_OPTS (-Xmx8g, as ./jbackprop), THREADS (0: all cores), OUT (report; default
#      bench/results/<date>-own-data.md), SKIP_BEFORE=1 (no before build), SKIP_FULL=1 (no 8-epoch MNIST runs)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-/tmp/jbackprop-own-data}"
before="${BEFORE:-149a06f}"
opts="${JAVA_OPTS:--Xmx8g}"
threads="${THREADS:-0}"
out="${OUT:-$root/bench/results/$(date +%Y-%m-%d)-own-data.md}"
jar="$root/src/cli/target/jbackprop-all.jar"
mkdir -p "$work"

(cd "$root" && mvn -q -B -o -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true -pl src/cli -am package)
if [ -z "${SKIP_BEFORE:-}" ] && [ ! -f "$work/before-$before/src/cli/target/jbackprop-all.jar" ]; then
  rm -rf "$work/before-$before" && mkdir -p "$work/before-$before"
  git -C "$root" archive "$before" | tar -x -C "$work/before-$before"
  (cd "$work/before-$before" && mvn -q -B -o -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true \
    -pl src/cli -am package)
fi
old="$work/before-$before/src/cli/target/jbackprop-all.jar"

classes="$work/classes"
rm -rf "$classes" && mkdir -p "$classes"
javac -d "$classes" -cp "$jar" "$root"/bench/data/*.java
[ -f "$work/mnist_train.csv" ] || java $opts -cp "$classes:$jar" DataLoadBench mnist-csv "$work"
mnist="$(java $opts -cp "$classes:$jar" DataLoadBench cache-dir)"
big="$work/idx-300k"
if [ ! -f "$big/train-images-idx3-ubyte" ]; then
  mkdir -p "$big"
  python3 - "$mnist" "$big" <<'EOF'
import struct, sys, shutil, os
src, dst = sys.argv[1], sys.argv[2]
im = open(os.path.join(src, "train-images-idx3-ubyte"), "rb").read()
lb = open(os.path.join(src, "train-labels-idx1-ubyte"), "rb").read()
n = struct.unpack(">I", im[4:8])[0]
with open(os.path.join(dst, "train-images-idx3-ubyte"), "wb") as f:
    f.write(im[:4] + struct.pack(">I", 5 * n) + im[8:16])
    for _ in range(5): f.write(im[16:])
with open(os.path.join(dst, "train-labels-idx1-ubyte"), "wb") as f:
    f.write(lb[:4] + struct.pack(">I", 5 * n))
    for _ in range(5): f.write(lb[8:])
for t in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
    shutil.copy(os.path.join(src, t), os.path.join(dst, t))
EOF
fi
python3 - "$work" <<'EOF'
import math, os, random, sys
w = sys.argv[1]
if not os.path.exists(os.path.join(w, "regression.csv")):
    r = random.Random(15)
    with open(os.path.join(w, "regression.csv"), "w") as f:
        f.write("a,b,c,d,y\n")
        for _ in range(20000):
            a, b, c, d = (r.uniform(-2, 2) for _ in range(4))
            y = math.sin(a) + 0.5 * b * b - 0.3 * c + 0.1 * a * d + r.gauss(0, 0.05)
            f.write("%.5f,%.5f,%.5f,%.5f,%.5f\n" % (a, b, c, d, y))
if not os.path.exists(os.path.join(w, "flowers.csv")):
    r = random.Random(16)
    names = ["iris setosa", "iris versicolor", "iris virginica", "iris nova"]
    centres = [[5.0, 3.4, 1.5, 0.2], [5.9, 2.8, 4.3, 1.3], [6.6, 3.0, 5.6, 2.0], [6.0, 3.6, 3.0, 2.6]]
    for name, n in (("flowers.csv", 2000), ("flowers_test.csv", 500)):
        with open(os.path.join(w, name), "w") as f:
            f.write("sepal_length,sepal_width,petal_length,petal_width,species\n")
            for _ in range(n):
                k = r.randrange(4)
                v = [c + r.gauss(0, 0.45) for c in centres[k]]
                f.write(",".join("%.2f" % x for x in v) + ",\"" + names[k] + "\"\n")
EOF

rss() { # label, jar, args...: peak RSS of one run
  local label="$1" j="$2"; shift 2
  local t; t="$(mktemp)"
  /usr/bin/time -f "%M %e" -o "$t" java $opts -Djava.awt.headless=true -jar "$j" "$@" > "$t.out" 2>&1 \
    || { echo "$label: FAILED"; tail -3 "$t.out"; return 0; }
  read -r kb secs < "$t"
  awk -v l="$label" -v k="$kb" -v s="$secs" 'BEGIN { printf "%-44s peak RSS %5.0f MB  (%s s)\n", l, k / 1024, s }'
}
short=(--epochs 1 --backend cpu --threads "$threads" --no-progress --force)

{
  echo "# Own data: memory, MNIST as CSV, regression and multi-class examples, $(date -u +%Y-%m-%d)"
  echo
  echo "- commit: $(git -C "$root" rev-parse --short HEAD)$(git -C "$root" diff --quiet || echo ' (dirty)'); before: $before"
  echo "- CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -n1), $(nproc) cores; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- Java: $(java -version 2>&1 | head -n1); options: $opts"
  echo "- command: ${BEFORE:+BEFORE=$BEFORE }bench/own-data.sh $*"
  echo
  echo "## Peak memory of \`train\` (loading, upload, one epoch and its test evaluation on the CPU; fresh JVM each)"
  echo
  echo '```'
  if [ -z "${SKIP_BEFORE:-}" ]; then
    rss "before: MNIST IDX (55 MB of pixels)" "$old" train --data "$mnist" --out "$work/r-before-idx" "${short[@]}"
    rss "before: 300k IDX (235 MB of pixels)" "$old" train --data "$big" --out "$work/r-before-big" "${short[@]}"
  fi
  rss "after:  MNIST IDX (55 MB of pixels)" "$jar" train --data "$mnist" --out "$work/r-idx" "${short[@]}"
  rss "after:  300k IDX (235 MB of pixels)" "$jar" train --data "$big" --out "$work/r-big" "${short[@]}"
  rss "after:  MNIST CSV (110 MB of text)" "$jar" train --train "$work/mnist_train.csv" --test "$work/mnist_test.csv" \
    --label-column 0 --out "$work/r-csv" "${short[@]}"
  echo '```'
  if [ -z "${SKIP_FULL:-}" ]; then
    echo
    echo "## MNIST from IDX and from CSV: the default job (8 epochs, [784,256,10] ReLU, seed 1, CPU)"
    echo
    echo '```'
    echo "\$ jbackprop train --data $mnist --backend cpu"
    java $opts -jar "$jar" train --data "$mnist" --backend cpu --threads "$threads" --no-progress --force \
      --out "$work/full-idx" | grep -E "^(jbackprop|  [0-9]|epoch   8|best)"
    echo "\$ jbackprop train --train mnist_train.csv --test mnist_test.csv --label-column 0 --backend cpu"
    java $opts -jar "$jar" train --train "$work/mnist_train.csv" --test "$work/mnist_test.csv" --label-column 0 \
      --backend cpu --threads "$threads" --no-progress --force --out "$work/full-csv" \
      | grep -E "^(jbackprop|  [0-9]|epoch   8|best)"
    echo "\$ jbackprop train --train mnist_train.csv --test mnist_test.csv --label-column 0 --normalize standard --backend cpu"
    java $opts -jar "$jar" train --train "$work/mnist_train.csv" --test "$work/mnist_test.csv" --label-column 0 \
      --normalize standard --backend cpu --threads "$threads" --no-progress --force --out "$work/full-csv-standard" \
      | grep -E "^(  [0-9]|epoch   8|best)"
    echo '```'
  fi
  echo
  echo "## Regression on a generated set (y = sin a + b²/2 − 0.3c + 0.1ad + noise σ 0.05; 20,000 rows)"
  echo
  echo '```'
  echo "\$ jbackprop train --train regression.csv --test-split 0.2 --validation-split 0.1 --hidden 64,64 --eta 0.01 --epochs 20"
  java $opts -jar "$jar" train --train "$work/regression.csv" --test-split 0.2 --validation-split 0.1 --hidden 64,64 \
    --eta 0.01 --epochs 20 --backend cpu --threads "$threads" --no-progress --force --out "$work/reg" \
    | grep -E "^(jbackprop|  [0-9]|epoch  20|best)"
  echo "\$ jbackprop eval --model reg/model.safetensors --test regression.csv"
  java $opts -jar "$jar" eval --model "$work/reg/model.safetensors" --test "$work/regression.csv" --backend cpu
  echo '```'
  echo
  echo "## A small multi-class CSV (4 species by name, quoted, header; 2,000 training and 500 test rows)"
  echo
  echo '```'
  echo "\$ jbackprop train --train flowers.csv --test flowers_test.csv --hidden 16 --epochs 20"
  java $opts -jar "$jar" train --train "$work/flowers.csv" --test "$work/flowers_test.csv" --hidden 16 --epochs 20 \
    --backend cpu --threads "$threads" --no-progress --force --out "$work/flowers" | grep -E "^(jbackprop|  [0-9]|epoch  20|best)"
  echo "\$ jbackprop eval --model flowers/model.safetensors --test flowers_test.csv"
  java $opts -jar "$jar" eval --model "$work/flowers/model.safetensors" --test "$work/flowers_test.csv" --backend cpu
  echo "\$ jbackprop predict --model flowers/model.safetensors --input flowers_test.csv --output predictions.csv"
  java $opts -jar "$jar" predict --model "$work/flowers/model.safetensors" --input "$work/flowers_test.csv" \
    --output "$work/predictions.csv" --force --backend cpu
  head -n 3 "$work/predictions.csv"
  if [ -z "${SKIP_FULL:-}" ]; then
    echo "\$ jbackprop predict --model full-csv/model.safetensors --input mnist_test.csv --output mnist.npy  (label column left in)"
    /usr/bin/time -f "(%e s, peak RSS %M kB)" java $opts -jar "$jar" predict --model "$work/full-csv/model.safetensors" \
      --input "$work/mnist_test.csv" --output "$work/mnist.npy" --force --backend cpu 2>&1
  fi
  echo '```'
  echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out"
