#!/usr/bin/env bash
# The divergence guard against the healthy runs: bench/textbook.sh's options, the default run, and plain SGD with
# batch 1, each with a small --divergence-factor: which still pass shows how far below the default (1000) they stay.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
J="$here/jbackprop"
out="${1:-/tmp/divergence-margin}"; rm -rf "$out"; mkdir -p "$out"
common=(--backend cpu --batch 10 --epochs 30 --momentum 0 --train-size 50000 --no-progress --force)
run() { local name=$1; shift; "$@" > $out/$name.log 2>&1; echo "$name: exit $? $(tail -1 $out/$name.log | cut -c1-230)"; }
for f in 1.5; do
  for seed in 1 2 3; do
    run ch1-s$seed-f$f $J train "${common[@]}" --layers 784,30,10 --activation sigmoid --output-activation sigmoid --cost quadratic \
      --init gaussian --eta 3.0 --seed $seed --divergence-factor $f --out $out/ch1-s$seed-f$f
  done
  run ch3-f$f $J train "${common[@]}" --layers 784,100,10 --activation sigmoid --cost binary-cross-entropy --init scaled \
    --eta 0.5 --lambda 5.0 --seed 1 --divergence-factor $f --out $out/ch3-f$f
  run default-f$f $J train --backend cpu --no-progress --force --divergence-factor $f --out $out/default-f$f
  run batch1-f$f $J train --backend cpu --no-progress --force --batch 1 --eta 0.005 --epochs 2 --divergence-factor $f --out $out/b1-f$f
done
