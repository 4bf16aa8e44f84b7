// Batch assembly: gathers columns by a device index list (launcher: GatherKernels.java).

#include <math.h>

// dst[:, j] = src[:, idx[j]] for j < m (idx already points at the batch's first index). An index
// outside [0, srcCols) yields a NaN column, which the cost then shows, instead of a stray read.
extern "C" __global__ void gather_columns(const float* src, int srcCols, const int* idx, float* dst, int rows, int m) {
  const long long n = (long long)rows * m;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    const long long j = i / rows;
    const long long r = i - j * rows;
    const int s = idx[j];
    dst[i] = (s >= 0 && s < srcCols) ? src[(long long)s * rows + r] : (float)NAN;
  }
}
