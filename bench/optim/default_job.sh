#!/usr/bin/env bash
# Which update makes the default job (./jbackprop train: [784,256,10] ReLU, batch 64, 8 epochs) better?
# Chosen on a validation set, never on the test set: each candidate trains on the first 50,000 MNIST training
# images and is judged by its validation accuracy on the other 10,000 (best epoch and last epoch). The test
# accuracy is printed too, for the record. CPU, --threads 2, seed 1 (bit for bit repeatable).
# Usage: bench/optim/default_job.sh [OUTDIR [SEEDS [NAMES]]]   defaults: /tmp/jbackprop-default-job, "1", all
#   e.g. bench/optim/default_job.sh /tmp/dj "1 2 3" "sgd sgd-0.1-cosine"
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:-/tmp/jbackprop-default-job}"
jb="${JBACKPROP:-$root/jbackprop}"
seeds="${2:-1}"
only="${3:-}"
mkdir -p "$out"
candidates=(
  "sgd|--optimizer sgd --eta 0.05 --momentum 0.9"
  "sgd-cosine|--optimizer sgd --eta 0.05 --momentum 0.9 --lr-schedule cosine"
  "sgd-0.1-cosine|--optimizer sgd --eta 0.1 --momentum 0.9 --lr-schedule cosine"
  "sgd-0.1-onecycle|--optimizer sgd --eta 0.1 --momentum 0.9 --lr-schedule onecycle"
  "nesterov-cosine|--optimizer nesterov --eta 0.05 --momentum 0.9 --lr-schedule cosine"
  "adam|--optimizer adam --eta 0.001"
  "adam-cosine|--optimizer adam --eta 0.001 --lr-schedule cosine"
  "adamw-cosine|--optimizer adamw --eta 0.001 --lr-schedule cosine"
)
printf '| candidate | seed | options | validation, best epoch | validation, last epoch | test, last epoch | wall s |\n|---|---|---|---|---|---|---|\n'
for seed in $seeds; do
for c in "${candidates[@]}"; do
  name="${c%%|*}"; opts="${c#*|}"
  if [ -n "$only" ] && [[ " $only " != *" $name "* ]]; then continue; fi
  log="$out/$name-s$seed.log"
  t0=$(date +%s.%N)
  # shellcheck disable=SC2086
  "$jb" train --train-size 50000 --threads 2 --seed "$seed" --no-progress --force --out "$out/$name-s$seed" $opts > "$log" 2>&1
  t1=$(date +%s.%N)
  best=$(grep -o 'validation *[0-9.]*%' "$log" | grep -o '[0-9.]*' | sort -n | tail -1)
  last=$(grep -o 'validation *[0-9.]*%' "$log" | grep -o '[0-9.]*' | tail -1)
  test=$(grep '^epoch *8/8' "$log" | grep -o 'test *[0-9.]*%' | grep -o '[0-9.]*')
  printf '| %s | %s | `%s` | %s%% | %s%% | %s%% | %.1f |\n' "$name" "$seed" "$opts" "$best" "$last" "$test" "$(echo "$t1 - $t0" | bc)"
done
done
