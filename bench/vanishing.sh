#!/usr/bin/env bash
# The figures of docs/vanishing-gradients.md, measured on MNIST with the CPU backend:
#   1. the textbook's setting (chapter 5): sigmoid hidden layers, scaled init, speed of learning
#      ‖∂C/∂bˡ‖ over the first 1000 training images, 20 inits (seeds 1-20), for
#      [784,30,30,10], [784,30,30,30,10] and [784,30,30,30,30,10];
#   2. the same networks with sigmoid, tanh, relu, leaky_relu and elu, each with its recommended
#      init, at the init and after 1 epoch of plain SGD (η = 0.1, batch 10, first 50,000 images);
#   3. as 1, with the textbook's output layer (sigmoid + cross-entropy, here binary-cross-entropy);
#   4. sigmoid [784,30,30,30,10], scaled init, tracked over 5 epochs (median of 20 inits):
#      gradients.png, copied to docs/vanishing-gradients.png;
#   5. the textbook's training run (fig/generate_gradient.py): the same network with sigmoid outputs,
#      500 epochs of full-batch gradient descent on the first 1000 images (η = 0.1, λ = 5.0), median
#      of 20 inits: docs/vanishing-gradients-textbook.png.
# Usage: bench/vanishing.sh [OUTDIR]   (default bench/results/vanishing-<date>); about 10 minutes on 2 shared cores.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$here/bench/results/vanishing-$(date +%Y%m%d)}"
mkdir -p "$out"
jb="$here/jbackprop"
common=(--backend cpu --samples 1000 --inits 20 --seed 1)
nets=(784,30,30,10 784,30,30,30,10 784,30,30,30,30,10)
for layers in "${nets[@]}"; do
  "$jb" gradients "${common[@]}" --layers "$layers" --activation sigmoid --init scaled | tee "$out/sigmoid-scaled-$layers.txt"
done
for layers in "${nets[@]}"; do
  "$jb" gradients "${common[@]}" --layers "$layers" --activation sigmoid --init scaled --cost binary-cross-entropy \
    | tee "$out/sigmoid-scaled-bce-$layers.txt"
done
for layers in "${nets[@]}"; do
  "$jb" gradients "${common[@]}" --layers "$layers" --compare-activations sigmoid,tanh,relu,leaky_relu,elu \
    --train-epochs 1 --eta 0.1 --batch 10 --train-size 50000 | tee "$out/compare-$layers.txt"
done
"$jb" gradients "${common[@]}" --layers 784,30,30,30,10 --activation sigmoid --init scaled \
  --train-epochs 5 --eta 0.1 --batch 10 --train-size 50000 --track-every 250 --out "$out/track" | tee "$out/track.txt"
"$jb" gradients "${common[@]}" --layers 784,30,30,30,10 --activation sigmoid --init scaled --cost binary-cross-entropy \
  --train-epochs 500 --eta 0.1 --lambda 5.0 --batch 1000 --train-size 1000 --track-every 5 --out "$out/textbook" \
  | tee "$out/textbook.txt"
cp "$out/track/gradients.png" "$here/docs/vanishing-gradients.png"
cp "$out/textbook/gradients.png" "$here/docs/vanishing-gradients-textbook.png"
echo "wrote $out, docs/vanishing-gradients.png and docs/vanishing-gradients-textbook.png"
