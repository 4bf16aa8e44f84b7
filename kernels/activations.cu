// Forward bias + activation and the backward activation derivative (launcher: ActivationKernels.java).
#include "elementwise.cuh"
#include "reduce.cuh"

// z[i] += bias[i mod rows]; a[i] = σ(z[i]) over the n = rows·m live elements (z and a may alias).
extern "C" __global__ void bias_activation(int act, float alpha, float* z, const float* bias, float* a,
                                           int rows, long long n) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    float v = z[i] + bias[i % rows];
    z[i] = v;
    a[i] = jb_activate(act, alpha, v);
  }
}

// z[:, j] += bias; a[:, j] = softmax(z[:, j]) = e^(z−max) / Σ e^(z−max), one warp per column,
// exponentials and the sum in double.
extern "C" __global__ void bias_softmax(float* z, const float* bias, float* a, int rows, int m) {
  const int lane = threadIdx.x & 31;
  const int warps = blockDim.x >> 5;
  for (int col = blockIdx.x * warps + (threadIdx.x >> 5); col < m; col += gridDim.x * warps) {
    float* zc = z + (long long)col * rows;
    float* ac = a + (long long)col * rows;
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
    for (int i = lane; i < rows; i += 32) ac[i] = (float)(exp((double)zc[i] - (double)mx) / s);
  }
}

// delta[i] ⊙= σ′(z[i]) given a[i] = σ(z[i]), over n live elements.
extern "C" __global__ void activation_backward(int act, float alpha, const float* z, const float* a, float* delta,
                                               long long n) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    delta[i] = delta[i] * jb_derivative(act, alpha, z[i], a[i]);
  }
}
