// Batch assembly: gathers columns by a device index list (launcher: GatherKernels.java).

#include <math.h>
#include "elementwise.cuh"
#include "reduce.cuh"

// dst[:, j] = src[:, idx[j]] for j < m (idx already points at the batch's first index). An index
// outside [0, srcCols) yields a NaN column, which the cost then shows, instead of a stray read.
// dst16, when not null, receives the bfloat16 copy (jb_bf16) of what dst receives.
// The element's (row, column) is carried along the grid-stride loop (jb_row_walk), not divided out per element.
extern "C" __global__ void gather_columns(const float* src, int srcCols, const int* idx, float* dst, unsigned short* dst16,
                                          int rows, int m) {
  const long long n = (long long)rows * m;
  JbRowWalk w = jb_row_walk(rows);
  for (long long i = w.first; i < n; i += w.stride, jb_row_step(&w, rows)) {
    const int s = idx[w.col];
    const float v = (s >= 0 && s < srcCols) ? src[(long long)s * rows + w.row] : (float)NAN;
    dst[i] = v;
    if (dst16 != nullptr) dst16[i] = jb_bf16(v);
  }
}
