#!/usr/bin/env bash
# Builds the CUDA kernels into one fatbin (placeholder until the GPU backend lands).
echo "kernels: not built yet (GPU backend pending)"
