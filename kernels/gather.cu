// Batch assembly: gathers columns by a device index list (launcher: GatherKernels.java).

#include <math.h>
#include "elementwise.cuh"

// dst[:, j] = src[:, idx[j]] for j < m (idx already points at the batch's first index). An index
// outside [0, srcCols) yields a NaN column, which the cost then shows, instead of a stray read.
// dst16, when not null, receives the bfloat16 copy (jb_bf16) of what dst receives.
extern "C" __global__ void gather_columns(const float* src, int srcCols, const int* idx, float* dst, unsigned short* dst16,
                                          int rows, int m) {
  const long long n = (long long)rows * m;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    const long long j = i / rows;
    const long long r = i - j * rows;
    const int s = idx[j];
    const float v = (s >= 0 && s < srcCols) ? src[(long long)s * rows + r] : (float)NAN;
    dst[i] = v;
    if (dst16 != nullptr) dst16[i] = jb_bf16(v);
  }
}
