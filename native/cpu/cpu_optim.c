/*
 * The CPU backend's optimiser loops (Ops.optimizerStep for nesterov, adam and adamw; sgd is the update
 * loop of cpu_kernels.c) in C, so that the compiler vectorises them. Each gives exactly the floats of its
 * Java twin in src/core/src/main/java/dev/jbackprop/backend/cpu/CpuOptimizers.java and of the CUDA kernel
 * (jb_optimizer in kernels/elementwise.cuh): the same operations in the same order, no FMA contraction
 * (-ffp-contract=off), IEEE square roots and quotients (vsqrtps and vdivps round correctly; -fno-math-errno
 * lets sqrtf vectorise). CpuOptimizersTest compares the two bit for bit. Built with cpu_kernels.c into
 * libjbackprop_cpu.so by native/cpu/build.sh.
 */
#include <jni.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>

#define CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#define F(p) ((float *)(intptr_t)(p))

/* dev.jbackprop.model.Optimizer.Kind.code */
enum { RULE_NESTEROV = 1, RULE_ADAM = 2, RULE_ADAMW = 3 };
/* dev.jbackprop.engine.UpdateScalars */
enum { S_RATE = 0, S_DECAY = 1, S_MOMENTUM = 2, S_BATCH = 3, S_WEIGHT_DECAY = 4, S_BETA1 = 5, S_ONE_MINUS_BETA1 = 6,
       S_BETA2 = 7, S_ONE_MINUS_BETA2 = 8, S_BC2_SQRT = 9, S_EPSILON = 10 };

/* d = g/m + wd·p;  b = μb + d;  d = d + μb;  p = p − rate·d */
CLONES static void nesterov(float *restrict p, const float *restrict g, float *restrict b, ptrdiff_t from, ptrdiff_t to, float rate,
                            float mu, float batch, float wd) {
  for (ptrdiff_t i = from; i < to; i++) {
    float pi = p[i];
    float d = g[i] / batch + wd * pi;
    float bi = mu * b[i] + d;
    b[i] = bi;
    d = d + mu * bi;
    p[i] = pi - rate * d;
  }
}

/* adamw: p = decay·p first; d = g/m + wd·p;  m1 = β1·m1 + (1−β1)·d;  m2 = β2·m2 + (1−β2)·(d·d);
   p = p − rate·(m1 / (√m2 / bc2 + ε)) */
CLONES static void adam(float *restrict p, const float *restrict g, float *restrict m1, float *restrict m2, ptrdiff_t from, ptrdiff_t to,
                        int decoupled, const float *restrict s) {
  const float rate = s[S_RATE], decay = s[S_DECAY], batch = s[S_BATCH], wd = s[S_WEIGHT_DECAY];
  const float b1 = s[S_BETA1], c1 = s[S_ONE_MINUS_BETA1], b2 = s[S_BETA2], c2 = s[S_ONE_MINUS_BETA2];
  const float bc2 = s[S_BC2_SQRT], eps = s[S_EPSILON];
  for (ptrdiff_t i = from; i < to; i++) {
    float pi = p[i];
    if (decoupled) pi = decay * pi;
    float d = g[i] / batch + wd * pi;
    float a = b1 * m1[i] + c1 * d;
    float v = b2 * m2[i] + c2 * (d * d);
    m1[i] = a;
    m2[i] = v;
    float denom = sqrtf(v) / bc2 + eps;
    p[i] = pi - rate * (a / denom);
  }
}

/*
 * Elements [from, to) of one optimiser step by rule (nesterov, adam, adamw) with the numbers at address s.
 * Returns false, doing nothing, for any other rule (sgd runs the update loop of cpu_kernels.c).
 */
JNIEXPORT jboolean JNICALL Java_dev_jbackprop_backend_cpu_CpuOptimizers_stepNative(JNIEnv *env, jclass cls, jint rule, jlong p, jlong g,
                                                                                   jlong s1, jlong s2, jlong s, jint from, jint to) {
  (void)env;
  (void)cls;
  const float *sc = F(s);
  switch (rule) {
    case RULE_NESTEROV:
      nesterov(F(p), F(g), F(s1), from, to, sc[S_RATE], sc[S_MOMENTUM], sc[S_BATCH], sc[S_WEIGHT_DECAY]);
      return JNI_TRUE;
    case RULE_ADAM:
    case RULE_ADAMW: adam(F(p), F(g), F(s1), F(s2), from, to, rule == RULE_ADAMW, sc); return JNI_TRUE;
    default: return JNI_FALSE;
  }
}
