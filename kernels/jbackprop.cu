// The one translation unit compiled into jbackprop.fatbin: a module holds one image per
// architecture, so the kernel families (one per .cu file) are compiled together.
#include "activations.cu"
#include "loss.cu"
#include "update.cu"
#include "gather.cu"
#include "norms.cu"
#include "bf16.cu"
