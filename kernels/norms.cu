// Sums of squares of parameter or gradient segments (launcher: NormKernels.java): gradient norms
// per layer and the divergence guard, read back only where metrics are read.
#include "reduce.cuh"

// *out += Σ x[i]² over i < n, summed in double; a NaN or infinity makes the sum non-finite.
extern "C" __global__ void sum_squares(const float* x, long long n, double* out) {
  __shared__ double warpSums[32];
  double s = 0.0;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    const double v = x[i];
    s += v * v;
  }
  s = jb_warp_sum(s);
  if ((threadIdx.x & 31) == 0) warpSums[threadIdx.x >> 5] = s;
  __syncthreads();
  if (threadIdx.x == 0) {
    double t = 0.0;
    for (int w = 0; w < (int)(blockDim.x >> 5); w++) t += warpSums[w];
    atomicAdd(out, t);
  }
}
