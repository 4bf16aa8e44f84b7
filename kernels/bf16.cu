// bfloat16 copies of float32 data (launcher: Bf16Kernels.java), for the set-up writes that no other
// kernel makes: uploads and fills of blocks whose matrices the GEMMs read in bfloat16 (--bf16), and
// streamed batches. The kernels of a training step write their own copies as they go.
#include "elementwise.cuh"

// dst[i] = jb_bf16(src[i]) for i < n.
extern "C" __global__ void to_bf16(const float* src, unsigned short* dst, long long n) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    dst[i] = jb_bf16(src[i]);
  }
}
