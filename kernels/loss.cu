// Output-layer delta, cost and accuracy (launcher: LossKernels.java).
#include "elementwise.cuh"
#include "reduce.cuh"

// One warp per column j < m:
//   delta[:, j] = a − y (cross-entropy, binary cross-entropy) or (a − y) ⊙ σ′(z) (quadratic), skipped when delta is null;
//   delta16[:, j] = its bfloat16 copy (jb_bf16) when delta16 is not null (what the GEMMs read with --bf16);
//   cost_j = Σ ½(a − y)², Σ softplus(z) − y·z, or Σ y·(lse − z) with lse = max + log Σ e^(z−max);
//   correct_j = argmax a == argmax y (jb_argmax_better: first index on ties, NaN never wins, a column
//   of NaN has none and is wrong); with one output row jb_single_output_correct instead ((a ≥ ½) ==
//   (y ≥ ½), never with a NaN), since an argmax over one row is always right.
// metrics[0] += Σ cost_j, metrics[1] += Σ correct_j, metrics[2] += number of columns (one atomicAdd each per block).
extern "C" __global__ void output_delta(int cost, int act, float alpha, const float* z, const float* a,
                                        const float* y, float* delta, unsigned short* delta16, int rows, int m,
                                        double* metrics) {
  __shared__ double blockSums[3][32];
  const int lane = threadIdx.x & 31;
  const int warp = threadIdx.x >> 5;
  const int warps = blockDim.x >> 5;
  double costSum = 0.0, correctSum = 0.0, columns = 0.0;
  for (int col = blockIdx.x * warps + warp; col < m; col += gridDim.x * warps) {
    const long long base = (long long)col * rows;
    const float* zc = z + base;
    const float* ac = a + base;
    const float* yc = y + base;
    double lse = 0.0;
    if (cost == JB_CROSS_ENTROPY) {
      float mx = -INFINITY;
      for (int i = lane; i < rows; i += 32) mx = jb_max_nan(mx, zc[i]);
      mx = jb_warp_max(mx);
      double s = 0.0;
      for (int i = lane; i < rows; i += 32) s += exp((double)zc[i] - (double)mx);
      lse = (double)mx + log(jb_warp_sum(s));
    }
    double c = 0.0;
    float bestA = 0.0f, bestY = 0.0f;
    int argA = -1, argY = -1;
    for (int i = lane; i < rows; i += 32) {
      const float zi = zc[i], ai = ac[i], yi = yc[i];
      if (delta != nullptr) {
        const float d = jb_output_delta(cost, act, alpha, zi, ai, yi);
        delta[base + i] = d;
        if (delta16 != nullptr) delta16[base + i] = jb_bf16(d);
      }
      if (cost == JB_QUADRATIC) c += (double)jb_quadratic_cost(ai, yi);
      else if (cost == JB_BINARY_CROSS_ENTROPY) c += (double)jb_bce_cost(zi, yi);
      else c += jb_cross_entropy_term(yi, zi, lse);
      if (jb_argmax_better(ai, i, bestA, argA)) { bestA = ai; argA = i; }
      if (jb_argmax_better(yi, i, bestY, argY)) { bestY = yi; argY = i; }
    }
    c = jb_warp_sum(c);
    jb_warp_argmax(bestA, argA);
    jb_warp_argmax(bestY, argY);
    if (lane == 0) {
      bool ok;
      if (rows == 1) ok = jb_single_output_correct(ac[0], yc[0]);
      else ok = argA >= 0 && argA == argY;
      costSum += c;
      correctSum += ok ? 1.0 : 0.0;
      columns += 1.0;
    }
  }
  if (lane == 0) {
    blockSums[0][warp] = costSum;
    blockSums[1][warp] = correctSum;
    blockSums[2][warp] = columns;
  }
  __syncthreads();
  if (threadIdx.x < 3) {
    double t = 0.0;
    for (int w = 0; w < warps; w++) t += blockSums[threadIdx.x][w];
    if (t != 0.0 || threadIdx.x == 0) atomicAdd(metrics + threadIdx.x, t);
  }
}
