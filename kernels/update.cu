// Parameter updates over the whole parameter block in one launch (launcher: UpdateKernels.java).
#include "elementwise.cuh"

// Ops.update: weights are [0, weightCount), biases the rest of the n parameters.
// μ = 0: p ← decay·p − rate·g (weights), p ← p − rate·g (biases); velocity is not touched (may be null).
// μ ≠ 0: v ← μ·v − rate·g − (1 − decay)·p (weights), v ← μ·v − rate·g (biases); p ← p + v.
// params16, when not null, receives jb_bf16 of every new parameter in the same pass (the bfloat16
// weights the GEMMs read with --bf16; the float32 params stay the master copy).
extern "C" __global__ void sgd_update(float* params, const float* grads, float* velocity, unsigned short* params16,
                                      long long n, long long weightCount, float rate, float momentum, float decay) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    const float p = params[i], g = grads[i];
    float q;
    if (momentum == 0.0f) {
      q = i < weightCount ? jb_sgd_weight(p, g, rate, decay) : jb_sgd_bias(p, g, rate);
    } else {
      const float v = i < weightCount ? jb_velocity_weight(velocity[i], g, p, momentum, rate, decay)
                                      : jb_velocity_bias(velocity[i], g, momentum, rate);
      velocity[i] = v;
      q = p + v;
    }
    params[i] = q;
    if (params16 != nullptr) params16[i] = jb_bf16(q);
  }
}

// Ops.optimizerStep: one step of rule (JB_RULE_*) over the n parameters, per element jb_optimizer. The numbers
// (learning rate, bias corrections, …; JB_S_*) are read from device memory when the kernel runs, so a CUDA
// graph that captured this launch uses what set_scalars last wrote there, not the values of the captured step.
// state1: sgd's velocity (may be null: plain SGD), the momentum buffer, exp_avg; state2: exp_avg_sq (adam,
// adamw; else null). params16 as in sgd_update.
extern "C" __global__ void optimizer_update(int rule, float* params, const float* grads, float* state1, float* state2,
                                            unsigned short* params16, long long n, long long weightCount,
                                            const float* scalars) {
  float s[JB_S_COUNT];
  for (int k = 0; k < JB_S_COUNT; k++) s[k] = scalars[k];
  const bool hasS1 = state1 != nullptr, hasS2 = state2 != nullptr;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    const JbUpdate u = jb_optimizer(rule, i < weightCount, hasS1, params[i], grads[i], hasS1 ? state1[i] : 0.0f,
                                    hasS2 ? state2[i] : 0.0f, s);
    if (hasS1) state1[i] = u.s1;
    if (hasS2) state2[i] = u.s2;
    params[i] = u.p;
    if (params16 != nullptr) params16[i] = jb_bf16(u.p);
  }
}

// Ops.setScalars: dst[0 … count) = v0 … v(count−1). The values travel as kernel parameters, which the driver
// copies at launch: nothing to keep alive on the host, no host synchronisation, and a graph launched after this
// on the same stream reads the new values.
extern "C" __global__ void set_scalars(float* dst, int count, float v0, float v1, float v2, float v3, float v4,
                                       float v5, float v6, float v7, float v8, float v9, float v10, float v11,
                                       float v12, float v13, float v14, float v15) {
  const float v[16] = {v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15};
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < count && i < 16) dst[i] = v[i];
}
