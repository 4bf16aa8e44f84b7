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

// dst[:, j] = decode(src[:, idx[j]]) for j < m: src holds uint8 features (rows × srcCols, column-major), each
// decoded to v / 255 (jb_decode_u8) and, when shift is not null, normalised per row as (x − shift[row]) ·
// factor[row]. An index outside [0, srcCols) yields a NaN column. dst16 as in gather_columns. Row walk as there.
extern "C" __global__ void gather_bytes(const unsigned char* src, int srcCols, const int* idx, const float* shift,
                                        const float* factor, float* dst, unsigned short* dst16, int rows, int m) {
  const long long n = (long long)rows * m;
  JbRowWalk w = jb_row_walk(rows);
  for (long long i = w.first; i < n; i += w.stride, jb_row_step(&w, rows)) {
    const int s = idx[w.col];
    float v = (float)NAN;
    if (s >= 0 && s < srcCols) {
      v = jb_decode_u8(src[(long long)s * rows + w.row]);
      if (shift != nullptr) v = jb_normalise(v, shift[w.row], factor[w.row]);
    }
    dst[i] = v;
    if (dst16 != nullptr) dst16[i] = jb_bf16(v);
  }
}

// dst[:, j] = the one-hot column of class labels[idx[j]] (jb_one_hot) for j < m; an index outside
// [0, labelCount) yields a NaN column, as does a class outside [0, rows). dst is a target matrix y, never a GEMM
// input, so it has no bfloat16 copy.
extern "C" __global__ void gather_one_hot(const int* labels, int labelCount, const int* idx, float* dst, int rows,
                                          int m) {
  const long long n = (long long)rows * m;
  JbRowWalk w = jb_row_walk(rows);
  for (long long i = w.first; i < n; i += w.stride, jb_row_step(&w, rows)) {
    const int s = idx[w.col];
    const int c = (s >= 0 && s < labelCount) ? labels[s] : -1;
    dst[i] = jb_one_hot(w.row, c, rows);
  }
}
