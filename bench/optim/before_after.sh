#!/usr/bin/env bash
# The default job before (the old defaults: --eta 0.05 --lr-schedule constant) and after (the new defaults),
# alternated, two rounds; wall time of the whole command. Usage: bench/optim/before_after.sh (from anywhere)
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
for round in 1 2; do
  for which in before after; do
    if [ $which = before ]; then opts="--eta 0.05 --lr-schedule constant"; else opts=""; fi
    s=$(date +%s.%N)
    ./jbackprop train --threads 2 --no-progress --force --out /tmp/dj-$which-$round $opts > /tmp/dj-$which-$round.log 2>&1
    e=$(date +%s.%N)
    echo "$which round $round: $(echo "$e - $s" | bc) s; load $(cut -d' ' -f1 /proc/loadavg)"
  done
done
