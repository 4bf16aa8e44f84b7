// Forward bias + activation and the backward activation derivative (launcher: ActivationKernels.java).
// Each kernel also writes the bfloat16 copy of its output (a16, delta16: jb_bf16 of the float written)
// when that pointer is not null: the copy the GEMMs read with --bf16.
#include "elementwise.cuh"
#include "reduce.cuh"

// z[i] += bias[i mod rows]; a[i] = σ(z[i]) over the n = rows·m live elements (z and a may alias).
// The row is carried along the grid-stride loop (jb_row_walk), not divided out per element.
extern "C" __global__ void bias_activation(int act, float alpha, float* z, const float* bias, float* a,
                                           unsigned short* a16, int rows, long long n) {
  JbRowWalk w = jb_row_walk(rows);
  for (long long i = w.first; i < n; i += w.stride, jb_row_step(&w, rows)) {
    float v = z[i] + bias[w.row];
    z[i] = v;
    const float r = jb_activate(act, alpha, v);
    a[i] = r;
    if (a16 != nullptr) a16[i] = jb_bf16(r);
  }
}

// z[:, j] += bias; a[:, j] = softmax(z[:, j]) = e^(z−max) / Σ e^(z−max), one warp per column,
// exponentials and the sum in double.
extern "C" __global__ void bias_softmax(float* z, const float* bias, float* a, unsigned short* a16, int rows, int m) {
  const int lane = threadIdx.x & 31;
  const int warps = blockDim.x >> 5;
  for (int col = blockIdx.x * warps + (threadIdx.x >> 5); col < m; col += gridDim.x * warps) {
    float* zc = z + (long long)col * rows;
    float* ac = a + (long long)col * rows;
    unsigned short* a16c = a16 == nullptr ? nullptr : a16 + (long long)col * rows;
    float mx = -INFINITY;
    for (int i = lane; i < rows; i += 32) {
      float v = zc[i] + bias[i];
      zc[i] = v;
      mx = jb_max_nan(mx, v);
    }
    mx = jb_warp_max(mx);
    double s = 0.0;
    for (int i = lane; i < rows; i += 32) s += exp((double)zc[i] - (double)mx);
    s = jb_warp_sum(s);
    for (int i = lane; i < rows; i += 32) {
      const float r = (float)(exp((double)zc[i] - (double)mx) / s);
      ac[i] = r;
      if (a16c != nullptr) a16c[i] = jb_bf16(r);
    }
  }
}

// delta[i] ⊙= σ′(z[i]) given a[i] = σ(z[i]), over n live elements.
extern "C" __global__ void activation_backward(int act, float alpha, const float* z, const float* a, float* delta,
                                               unsigned short* delta16, long long n) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    const float r = delta[i] * jb_derivative(act, alpha, z[i], a[i]);
    delta[i] = r;
    if (delta16 != nullptr) delta16[i] = jb_bf16(r);
  }
}
