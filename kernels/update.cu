// Parameter update over the whole parameter block in one launch (launcher: UpdateKernels.java).
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
