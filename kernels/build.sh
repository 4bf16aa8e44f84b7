#!/usr/bin/env bash
# Builds the CUDA kernels (kernels/*.cu, compiled as one unit through jbackprop.cu) into ONE fatbin:
#   OUTDIR/jbackprop.fatbin   SASS for sm_75, sm_80, sm_86, sm_89, sm_90 + PTX compute_90 (JIT on newer GPUs)
#   OUTDIR/jbackprop-kernels.properties   which nvcc built it (reported by CudaProbe.info())
# Without nvcc it prints one line and succeeds (the GPU backend then says "kernels not built").
# nvcc is looked for in $JBACKPROP_NVCC (a path, or "none" to skip the kernels), on PATH, in
# $CUDA_HOME/bin, then in /usr/local/cuda/bin.
# Skips the compile when the fatbin is newer than every kernel source and this script.
set -euo pipefail

OUT=${1:?usage: kernels/build.sh OUTDIR}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
FATBIN="$OUT/jbackprop.fatbin"

if [ -n "${JBACKPROP_NVCC:-}" ]; then
  NVCC=$JBACKPROP_NVCC
  [ "$NVCC" = none ] && NVCC=
else
  NVCC=$(command -v nvcc || true)
fi
for c in "${CUDA_HOME:-}/bin/nvcc" /usr/local/cuda/bin/nvcc; do
  if [ -z "$NVCC" ] && [ -z "${JBACKPROP_NVCC:-}" ] && [ -x "$c" ]; then NVCC=$c; fi
done
if [ -z "$NVCC" ]; then
  echo "kernels: nvcc not found (\$JBACKPROP_NVCC, PATH, \$CUDA_HOME/bin, /usr/local/cuda/bin); skipped - the GPU backend will report 'kernels not built'"
  exit 0
fi

if [ -f "$FATBIN" ] && [ -f "$OUT/jbackprop-kernels.properties" ] \
   && [ -z "$(find "$HERE" -maxdepth 1 \( -name '*.cu' -o -name '*.cuh' -o -name build.sh \) -newer "$FATBIN" -print -quit)" ]; then
  echo "kernels: $FATBIN is up to date"
  exit 0
fi

mkdir -p "$OUT"
ARCHS=(75 80 86 89 90)
GENCODE=()
for a in "${ARCHS[@]}"; do GENCODE+=(-gencode "arch=compute_$a,code=sm_$a"); done
GENCODE+=(-gencode "arch=compute_90,code=compute_90")

# -fmad=false: no fused multiply-add contraction, so float expressions round like the Java CPU maths.
# --compress-mode=none: loadable by any driver that knows the architecture; kernel names stay visible to the tests.
echo "kernels: $NVCC -> $FATBIN ($(printf 'sm_%s ' "${ARCHS[@]}")+ compute_90 PTX)"
"$NVCC" -fatbin -O3 -fmad=false --compress-mode=none --threads 0 -std=c++17 \
  "${GENCODE[@]}" -I"$HERE" "$HERE/jbackprop.cu" -o "$FATBIN.tmp"
mv "$FATBIN.tmp" "$FATBIN"

VERSION=$("$NVCC" --version | sed -n 's/.*release \([0-9.]*\), \(V[0-9.]*\).*/\1 (\2)/p')
{
  echo "nvcc=${VERSION:-unknown}"
  echo "sass=$(printf 'sm_%s ' "${ARCHS[@]}" | sed 's/ $//')"
  echo "ptx=compute_90"
} > "$OUT/jbackprop-kernels.properties"
echo "kernels: built $(wc -c < "$FATBIN") bytes with nvcc ${VERSION:-unknown}"
