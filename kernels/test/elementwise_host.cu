// Host driver for KernelMathTest: evaluates the kernels' elementwise functions (elementwise.cuh,
// compiled by nvcc for the host) on inputs read from stdin and prints the exact result bits.
// Input lines: an op letter, then arguments as hex bit patterns (%x of the float bits, %llx of
// the double bits). Output: one line per input line, the result's bits in hex.
//   A code alpha z            jb_activate            D code alpha z a        jb_derivative
//   P x                       jb_softplus            Q a y                   jb_quadratic_cost
//   B z y                     jb_bce_cost            O cost act alpha z a y  jb_output_delta
//   W p g rate decay          jb_sgd_weight          b p g rate              jb_sgd_bias
//   V v g p mu rate decay     jb_velocity_weight     v v g mu rate           jb_velocity_bias
//   C y z lse(double)         jb_cross_entropy_term (double result)
//   H x                       jb_bf16 (16-bit result)
//   U which rule weight hasS1 p g s1 s2 s0 … s10
//                             jb_optimizer (which, rule, weight, hasS1: %x of ints; s0 … s10 the scalars):
//                             which = 0 prints the new p, 1 the new s1, 2 the new s2
//   M v i bv bi               jb_argmax_better (i, bi: %x of the int's bits; result 1.0f or 0.0f)
//   S a y                     jb_single_output_correct (result 1.0f or 0.0f)
//   N v shift factor          jb_normalise(jb_decode_u8(v), shift, factor); v a byte (%x)
//   u v                       jb_decode_u8(v)
//   E row c rows              jb_one_hot (row, c, rows: %x of the ints' bits)
//   R first stride rows n     jb_row_walk_from / jb_row_step from element first to n: the number of
//                             steps whose (row, col) differs from (i mod rows, i div rows), or ffffffff
//                             if the walk visits other elements than first, first + stride, …
#include <cstdio>
#include <cstdint>
#include <cstring>
#include "elementwise.cuh"

static float f(unsigned int bits) { float x; std::memcpy(&x, &bits, 4); return x; }
static unsigned int bf(float x) { unsigned int b; std::memcpy(&b, &x, 4); return b; }
static unsigned long long bd(double x) { unsigned long long b; std::memcpy(&b, &x, 8); return b; }

int main() {
  char op[4];
  unsigned int u[6];
  unsigned long long l;
  while (std::scanf("%3s", op) == 1) {
    switch (op[0]) {
      case 'A': std::scanf("%x %x %x", &u[0], &u[1], &u[2]);
        std::printf("%08x\n", bf(jb_activate((int)u[0], f(u[1]), f(u[2])))); break;
      case 'D': std::scanf("%x %x %x %x", &u[0], &u[1], &u[2], &u[3]);
        std::printf("%08x\n", bf(jb_derivative((int)u[0], f(u[1]), f(u[2]), f(u[3])))); break;
      case 'P': std::scanf("%x", &u[0]);
        std::printf("%08x\n", bf(jb_softplus(f(u[0])))); break;
      case 'Q': std::scanf("%x %x", &u[0], &u[1]);
        std::printf("%08x\n", bf(jb_quadratic_cost(f(u[0]), f(u[1])))); break;
      case 'B': std::scanf("%x %x", &u[0], &u[1]);
        std::printf("%08x\n", bf(jb_bce_cost(f(u[0]), f(u[1])))); break;
      case 'O': std::scanf("%x %x %x %x %x %x", &u[0], &u[1], &u[2], &u[3], &u[4], &u[5]);
        std::printf("%08x\n", bf(jb_output_delta((int)u[0], (int)u[1], f(u[2]), f(u[3]), f(u[4]), f(u[5])))); break;
      case 'W': std::scanf("%x %x %x %x", &u[0], &u[1], &u[2], &u[3]);
        std::printf("%08x\n", bf(jb_sgd_weight(f(u[0]), f(u[1]), f(u[2]), f(u[3])))); break;
      case 'b': std::scanf("%x %x %x", &u[0], &u[1], &u[2]);
        std::printf("%08x\n", bf(jb_sgd_bias(f(u[0]), f(u[1]), f(u[2])))); break;
      case 'V': std::scanf("%x %x %x %x %x %x", &u[0], &u[1], &u[2], &u[3], &u[4], &u[5]);
        std::printf("%08x\n", bf(jb_velocity_weight(f(u[0]), f(u[1]), f(u[2]), f(u[3]), f(u[4]), f(u[5])))); break;
      case 'v': std::scanf("%x %x %x %x", &u[0], &u[1], &u[2], &u[3]);
        std::printf("%08x\n", bf(jb_velocity_bias(f(u[0]), f(u[1]), f(u[2]), f(u[3])))); break;
      case 'U': {
        unsigned which, rule, weight, has;
        unsigned in[4], sc[JB_S_COUNT];
        std::scanf("%x %x %x %x %x %x %x %x", &which, &rule, &weight, &has, &in[0], &in[1], &in[2], &in[3]);
        float s[JB_S_COUNT];
        for (int k = 0; k < JB_S_COUNT; k++) { std::scanf("%x", &sc[k]); s[k] = f(sc[k]); }
        JbUpdate r = jb_optimizer((int)rule, weight != 0, has != 0, f(in[0]), f(in[1]), f(in[2]), f(in[3]), s);
        std::printf("%08x\n", bf(which == 0 ? r.p : which == 1 ? r.s1 : r.s2));
        break;
      }
      case 'M': std::scanf("%x %x %x %x", &u[0], &u[1], &u[2], &u[3]);
        std::printf("%08x\n", bf(jb_argmax_better(f(u[0]), (int)u[1], f(u[2]), (int)u[3]) ? 1.0f : 0.0f)); break;
      case 'S': std::scanf("%x %x", &u[0], &u[1]);
        std::printf("%08x\n", bf(jb_single_output_correct(f(u[0]), f(u[1])) ? 1.0f : 0.0f)); break;
      case 'N': std::scanf("%x %x %x", &u[0], &u[1], &u[2]);
        std::printf("%08x\n", bf(jb_normalise(jb_decode_u8((unsigned char)u[0]), f(u[1]), f(u[2])))); break;
      case 'u': std::scanf("%x", &u[0]);
        std::printf("%08x\n", bf(jb_decode_u8((unsigned char)u[0]))); break;
      case 'E': std::scanf("%x %x %x", &u[0], &u[1], &u[2]);
        std::printf("%08x\n", bf(jb_one_hot((int)u[0], (int)u[1], (int)u[2]))); break;
      case 'H': std::scanf("%x", &u[0]);
        std::printf("%04x\n", (unsigned)jb_bf16(f(u[0]))); break;
      case 'C': {
        std::scanf("%x %x %llx", &u[0], &u[1], &l);
        double lse; std::memcpy(&lse, &l, 8);
        std::printf("%016llx\n", bd(jb_cross_entropy_term(f(u[0]), f(u[1]), lse))); break;
      }
      case 'R': {
        unsigned first, stride; int rows; long long n;
        std::scanf("%x %x %x %llx", &first, &stride, (unsigned*)&rows, &n);
        unsigned bad = 0;
        long long expect = first;
        JbRowWalk w = jb_row_walk_from(first, stride, rows);
        for (long long i = w.first; i < n; i += w.stride, jb_row_step(&w, rows), expect += stride) {
          if (i != expect) { bad = 0xffffffffu; break; }
          if (w.row != (int)(i % rows) || w.col != i / rows) bad++;
        }
        std::printf("%08x\n", bad);
        break;
      }
      default: std::fprintf(stderr, "unknown op '%s'\n", op); return 2;
    }
  }
  return 0;
}
