#!/usr/bin/env bash
# The textbook's figures, measured with jbackprop's CPU backend:
#   chapter 1: [784,30,10] sigmoid, quadratic cost, gaussian init, batch 10, eta 3.0, 30 epochs,
#              first 50,000 training images, three seeds (the book: 95.42% best of three);
#   chapter 3: [784,100,10] sigmoid, binary cross-entropy (sigmoid output), scaled init,
#              eta 0.5, lambda 5.0, batch 10, 30 epochs, first 50,000 training images.
# Both at a constant learning rate, as the book trains (train's default schedule is cosine).
# Usage: bench/textbook.sh [OUTDIR]   (default bench/results/textbook-<date>)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$here/bench/results/textbook-$(date +%Y%m%d)}"
mkdir -p "$out"
jb="$here/jbackprop"
common=(--backend cpu --batch 10 --epochs 30 --momentum 0 --lr-schedule constant --train-size 50000 --no-progress --force)
for seed in 1 2 3; do
  "$jb" train "${common[@]}" --layers 784,30,10 --activation sigmoid --output-activation sigmoid --cost quadratic \
    --init gaussian --eta 3.0 --seed "$seed" --out "$out/ch1-seed$seed" > "$out/ch1-seed$seed.log"
done
"$jb" train "${common[@]}" --layers 784,100,10 --activation sigmoid --cost binary-cross-entropy --init scaled \
  --eta 0.5 --lambda 5.0 --seed 1 --out "$out/ch3-seed1" > "$out/ch3-seed1.log"
best() { awk -F, 'NR>1 && $4>b {b=$4; e=$1} END {printf "%.2f%% (epoch %d)", 100*b, e}' "$1/metrics.csv"; }
{
  echo "| run | best test accuracy | mean samples/s |"
  echo "|---|---|---|"
  for d in "$out"/ch1-seed* "$out"/ch3-seed1; do
    [ -d "$d" ] || continue
    sps=$(awk -F, 'NR>1 {s+=$5; n++} END {printf "%.0f", s/n}' "$d/metrics.csv")
    echo "| $(basename "$d") | $(best "$d") | $sps |"
  done
} | tee "$out/summary.md"
