// Elementwise float maths shared by every kernel family, written once for host and device.
// Each function mirrors dev.jbackprop.backend.cpu.CpuMath (same formula, same evaluation order,
// transcendental functions in double and rounded once to float); KernelMathTest compiles this
// header for the host and compares it with CpuMath over 0, ±tiny, ±large, NaN and ±inf.
// Build with -fmad=false so that a*b - c*d rounds each product as Java does.
#pragma once

#include <math.h>
#include <string.h>

#if defined(__CUDACC__)
#define JB_FN __host__ __device__ __forceinline__
#else
#define JB_FN static inline
#endif

// dev.jbackprop.model.Activation.Kind.code
#define JB_SIGMOID 0
#define JB_TANH 1
#define JB_RELU 2
#define JB_LEAKY_RELU 3
#define JB_ELU 4
#define JB_IDENTITY 5
#define JB_SOFTMAX 6

// dev.jbackprop.model.Cost.code
#define JB_QUADRATIC 0
#define JB_CROSS_ENTROPY 1
#define JB_BINARY_CROSS_ENTROPY 2

JB_FN bool jb_isnan(float x) { return x != x; }

// Where a thread of a grid-stride loop over the n = rows·m elements of a column-major matrix is:
// element i, its row (i mod rows) and column (i div rows), carried from step to step instead of
// divided out per element (a 64-bit division per element costs far more than the element's work).
// The launchers cap the grid (Grid.maxBlocks), so a thread's first index and the stride fit in 32
// bits: the divisions here are 32-bit and happen once per thread. KernelMathTest walks it on the host.
typedef struct {
  long long first;   // the thread's first element
  long long stride;  // elements per step
  int row;           // the current element's row
  long long col;     // and column
  int strideRows;    // stride mod rows
  long long strideCols;  // stride div rows
} JbRowWalk;

JB_FN JbRowWalk jb_row_walk_from(unsigned first, unsigned stride, int rows) {
  const unsigned r = rows > 0 ? (unsigned)rows : 1u;
  JbRowWalk w;
  w.first = first;
  w.stride = stride;
  w.row = (int)(first % r);
  w.col = first / r;
  w.strideRows = (int)(stride % r);
  w.strideCols = stride / r;
  return w;
}

// Moves the walk one stride on: the row wraps at most once (strideRows < rows).
JB_FN void jb_row_step(JbRowWalk* w, int rows) {
  w->row += w->strideRows;
  w->col += w->strideCols;
  if (w->row >= rows) {
    w->row -= rows;
    w->col += 1;
  }
}

// float32 → bfloat16 (the top 16 bits of a float32), round to nearest, ties to even: overflow rounds
// to ±inf, subnormals round like any other value (no flush to zero), and a NaN stays a NaN of the
// same sign with the top of its payload and the quiet bit set (rounding its bits as a number could
// turn it into an infinity). Integer operations only, so host and device give the same bits;
// KernelMathTest checks them against dev.jbackprop.diag.Bf16. The copies the GEMMs read with --bf16.
JB_FN unsigned short jb_bf16(float x) {
  unsigned int u;
#if defined(__CUDA_ARCH__)
  u = __float_as_uint(x);
#else
  memcpy(&u, &x, sizeof u);
#endif
  if ((u & 0x7fffffffu) > 0x7f800000u) return (unsigned short)((u >> 16) | 0x0040u);
  return (unsigned short)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

// σ(z) = 1/(1+e^−z) for z ≥ 0, e^z/(1+e^z) otherwise (no overflow); NaN takes the second branch.
JB_FN float jb_sigmoid(float z) {
  if (z >= 0.0f) return (float)(1.0 / (1.0 + exp(-(double)z)));
  double e = exp((double)z);
  return (float)(e / (1.0 + e));
}

// σ(z) for every activation but softmax. The ReLU family tests z > 0 and z <= 0 so NaN falls through.
JB_FN float jb_activate(int code, float alpha, float z) {
  switch (code) {
    case JB_SIGMOID: return jb_sigmoid(z);
    case JB_TANH: return (float)tanh((double)z);
    case JB_RELU: return z > 0.0f ? z : (z <= 0.0f ? 0.0f : z);
    case JB_LEAKY_RELU: return z > 0.0f ? z : alpha * z;
    case JB_ELU: return z > 0.0f ? z : (z <= 0.0f ? (float)((double)alpha * expm1((double)z)) : z);
    case JB_IDENTITY: return z;
    default: return (float)NAN;  // softmax is per column; launchers reject it here
  }
}

// σ′(z) given z and a = σ(z); the ReLU family uses the left derivative at 0.
JB_FN float jb_derivative(int code, float alpha, float z, float a) {
  switch (code) {
    case JB_SIGMOID: return a * jb_sigmoid(-z);  // σ(z)·σ(−z): exact where 1 − a would round to 0
    case JB_TANH: return 1.0f - a * a;
    case JB_RELU: return z > 0.0f ? 1.0f : (z <= 0.0f ? 0.0f : z);
    case JB_LEAKY_RELU: return z > 0.0f ? 1.0f : (z <= 0.0f ? alpha : z);
    case JB_ELU: return z > 0.0f ? 1.0f : (z <= 0.0f ? a + alpha : z);
    case JB_IDENTITY: return 1.0f;
    default: return (float)NAN;
  }
}

// log(1 + e^x) = max(x, 0) + log1p(e^−|x|); max propagates NaN like Java's Math.max.
JB_FN float jb_softplus(float x) {
  double xd = (double)x;
  double m = (xd > 0.0 || xd != xd) ? xd : 0.0;
  return (float)(m + log1p(exp(-fabs(xd))));
}

// ½(a − y)²
JB_FN float jb_quadratic_cost(float a, float y) {
  float d = a - y;
  return 0.5f * d * d;
}

// −[y ln σ(z) + (1 − y) ln(1 − σ(z))] = softplus(z) − y·z
JB_FN float jb_bce_cost(float z, float y) {
  return jb_softplus(z) - y * z;
}

// One output's share of −Σ y ln softmax(z) = Σ y (lse − z), lse = log Σ e^z (computed stably per
// column as max + log Σ e^(z−max)); a zero target contributes exactly 0 even where z = −inf.
JB_FN double jb_cross_entropy_term(float y, float z, double lse) {
  return y == 0.0f ? 0.0 : (double)y * (lse - (double)z);
}

// Output-layer δ for one output: a − y for softmax + cross-entropy and sigmoid + binary
// cross-entropy, (a − y)·σ′(z) for the quadratic cost.
JB_FN float jb_output_delta(int cost, int act, float alpha, float z, float a, float y) {
  float d = a - y;
  return cost == JB_QUADRATIC ? d * jb_derivative(act, alpha, z, a) : d;
}

// One step of an argmax: candidate (v, i) beats the best so far (bv, bi) if it is a number and larger,
// or equal with a lower index; i < 0 means "none". So NaN entries are never the argmax, the first
// index wins ties, and a column of NaN has none (never a correct prediction). CpuMath.argmaxBetter.
JB_FN bool jb_argmax_better(float v, int i, float bv, int bi) {
  if (i < 0 || jb_isnan(v)) return false;
  if (bi < 0) return true;
  return v > bv || (v == bv && i < bi);
}

// A single output's prediction (an argmax over one row is always right): correct when a and y are on
// the same side of ½, never when either is NaN. CpuMath.singleOutputCorrect.
JB_FN bool jb_single_output_correct(float a, float y) {
  return !jb_isnan(a) && !jb_isnan(y) && ((a >= 0.5f) == (y >= 0.5f));
}

// Ops.update with μ = 0: p ← decay·p − rate·g (weights), p ← p − rate·g (biases).
JB_FN float jb_sgd_weight(float p, float g, float rate, float decay) { return decay * p - rate * g; }
JB_FN float jb_sgd_bias(float p, float g, float rate) { return p - rate * g; }

// Ops.update with μ ≠ 0: v ← μ·v − rate·g − (1 − decay)·p (weights), v ← μ·v − rate·g (biases); then p ← p + v.
JB_FN float jb_velocity_weight(float v, float g, float p, float mu, float rate, float decay) {
  return mu * v - rate * g - (1.0f - decay) * p;
}
JB_FN float jb_velocity_bias(float v, float g, float mu, float rate) { return mu * v - rate * g; }

// Ops.optimizerStep: the rules (dev.jbackprop.model.Optimizer.Kind.code) and the per-step numbers the update
// reads from device memory (dev.jbackprop.engine.UpdateScalars), written by the host before each step.
#define JB_RULE_SGD 0
#define JB_RULE_NESTEROV 1
#define JB_RULE_ADAM 2
#define JB_RULE_ADAMW 3

#define JB_S_RATE 0
#define JB_S_DECAY 1
#define JB_S_MOMENTUM 2
#define JB_S_BATCH 3
#define JB_S_WEIGHT_DECAY 4
#define JB_S_BETA1 5
#define JB_S_ONE_MINUS_BETA1 6
#define JB_S_BETA2 7
#define JB_S_ONE_MINUS_BETA2 8
#define JB_S_BC2_SQRT 9
#define JB_S_EPSILON 10
#define JB_S_COUNT 11

// One parameter's new value and state.
typedef struct {
  float p, s1, s2;
} JbUpdate;

// One element of Ops.optimizerStep, in float, the operations in the order of CpuOptimizers (Java) and
// native/cpu/cpu_optim.c; sqrtf and / are IEEE on the device (no fast math) as on the host. s1, s2: the
// element's state (velocity / momentum buffer / exp_avg, exp_avg_sq); hasS1: whether the rule's first state
// block exists (sgd without one, or with momentum 0, takes the plain form, as Ops.update does).
//   sgd       Ops.update: jb_sgd_* or jb_velocity_* with rate, momentum and decay from the scalars
//   nesterov  d = g/m + wd·p;  b = μb + d;  d = d + μb;  p = p − rate·d
//   adam      d = g/m + wd·p;  m1 = β1·m1 + (1−β1)·d;  m2 = β2·m2 + (1−β2)·(d·d);  p = p − rate·(m1 / (√m2/bc2 + ε))
//   adamw     p = decay·p first, then adam (whose wd the host sets to 0)
JB_FN JbUpdate jb_optimizer(int rule, bool weight, bool hasS1, float p, float g, float s1, float s2, const float* s) {
  JbUpdate u;
  u.s1 = s1;
  u.s2 = s2;
  if (rule == JB_RULE_SGD) {
    const float rate = s[JB_S_RATE], mu = s[JB_S_MOMENTUM], decay = s[JB_S_DECAY];
    if (!hasS1 || mu == 0.0f) {
      u.p = weight ? jb_sgd_weight(p, g, rate, decay) : jb_sgd_bias(p, g, rate);
    } else {
      u.s1 = weight ? jb_velocity_weight(s1, g, p, mu, rate, decay) : jb_velocity_bias(s1, g, mu, rate);
      u.p = p + u.s1;
    }
    return u;
  }
  if (rule == JB_RULE_NESTEROV) {
    const float mu = s[JB_S_MOMENTUM];
    float d = g / s[JB_S_BATCH] + s[JB_S_WEIGHT_DECAY] * p;
    u.s1 = mu * s1 + d;
    d = d + mu * u.s1;
    u.p = p - s[JB_S_RATE] * d;
    return u;
  }
  // adam, adamw
  if (rule == JB_RULE_ADAMW) p = s[JB_S_DECAY] * p;
  const float d = g / s[JB_S_BATCH] + s[JB_S_WEIGHT_DECAY] * p;
  u.s1 = s[JB_S_BETA1] * s1 + s[JB_S_ONE_MINUS_BETA1] * d;
  u.s2 = s[JB_S_BETA2] * s2 + s[JB_S_ONE_MINUS_BETA2] * (d * d);
  const float denom = sqrtf(u.s2) / s[JB_S_BC2_SQRT] + s[JB_S_EPSILON];
  u.p = p - s[JB_S_RATE] * (u.s1 / denom);
  return u;
}

// A uint8 feature value as the network sees it (Ops.gatherBytes; SampleStore and CpuGather on the CPU):
// v / 255 as an IEEE float division (no reciprocal: the quotient is correctly rounded, as in Java), then,
// for normalised data, (x − shift) · factor with each operation rounded (-fmad=false).
JB_FN float jb_decode_u8(unsigned char v) { return (float)v / 255.0f; }
JB_FN float jb_normalise(float x, float shift, float factor) { return (x - shift) * factor; }

// One row of a one-hot target column for class c (Ops.gatherOneHot): 1 in row c, 0 elsewhere; a class
// outside [0, rows) (or a missing one, c < 0) gives NaN, which the cost then shows.
JB_FN float jb_one_hot(int row, int c, int rows) {
  if (c < 0 || c >= rows) return NAN;
  return row == c ? 1.0f : 0.0f;
}
