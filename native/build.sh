#!/usr/bin/env bash
# Builds the libcublas.so.12 -> libcublas.so.13 bridge (placeholder until the GPU backend lands).
echo "cuBLAS bridge: not built yet (GPU backend pending)"
