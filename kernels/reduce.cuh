// Warp-level reductions used by the per-column kernels (one warp per column, blockDim a multiple of 32),
// and the row walk of the elementwise kernels over column-major matrices.
#pragma once

#include "elementwise.cuh"

#define JB_FULL_MASK 0xffffffffu

// A thread's row walk (elementwise.cuh) over the rows·m elements of a column-major matrix.
__device__ __forceinline__ JbRowWalk jb_row_walk(int rows) {
  return jb_row_walk_from(blockIdx.x * blockDim.x + threadIdx.x, gridDim.x * blockDim.x, rows);
}

// max that propagates NaN (a column containing NaN gives NaN everywhere, never a silent answer).
__device__ __forceinline__ float jb_max_nan(float a, float b) { return (b > a || b != b) ? b : a; }

__device__ __forceinline__ float jb_warp_max(float v) {
  for (int o = 16; o > 0; o >>= 1) v = jb_max_nan(v, __shfl_xor_sync(JB_FULL_MASK, v, o));
  return v;
}

__device__ __forceinline__ double jb_warp_sum(double v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(JB_FULL_MASK, v, o);
  return v;
}

// Every lane ends with the warp's (value, index) argmax (jb_argmax_better, elementwise.cuh).
__device__ __forceinline__ void jb_warp_argmax(float& v, int& i) {
  for (int o = 16; o > 0; o >>= 1) {
    float ov = __shfl_xor_sync(JB_FULL_MASK, v, o);
    int oi = __shfl_xor_sync(JB_FULL_MASK, i, o);
    if (jb_argmax_better(ov, oi, v, i)) { v = ov; i = oi; }
  }
}
