package dev.jbackprop.backend.cpu;

/**
 * The CPU's gathers of uint8 features and of one-hot targets (Ops.gatherBytes, Ops.gatherOneHot):
 * plain loops, one batch column after another. A byte v decodes to v / 255f, looked up in a table of
 * the 256 quotients (the same bits as the division the GPU kernel does), then (x − shift) · factor in
 * float when a normalisation is given.
 */
final class CpuGather {
    private CpuGather() {}

    /** v / 255f for v = 0 … 255. */
    private static final float[] DECODED = new float[256];

    static {
        for (int v = 0; v < 256; v++) DECODED[v] = v / 255f;
    }

    /**
     * dst[:, j] = decode(src[:, idx[offset + j]]) for j &lt; m (src: rows × cols bytes, column-major); shift and
     * factor are addresses of rows floats, or 0 without a normalisation; an index outside [0, cols) gives NaN.
     */
    static void bytes(byte[] src, int rows, int cols, int[] idx, int offset, int m, long shift, long factor, long dst) {
        for (int j = 0; j < m; j++) {
            int s = idx[offset + j];
            long out = (long) j * rows;
            if (s < 0 || s >= cols) {
                for (int i = 0; i < rows; i++) Mem.put(dst, out + i, Float.NaN);
                continue;
            }
            int at = s * rows;
            if (shift == 0) {
                for (int i = 0; i < rows; i++) Mem.put(dst, out + i, DECODED[src[at + i] & 0xff]);
            } else {
                for (int i = 0; i < rows; i++) {
                    float v = DECODED[src[at + i] & 0xff];
                    Mem.put(dst, out + i, (v - Mem.get(shift, i)) * Mem.get(factor, i));
                }
            }
        }
    }

    /**
     * dst[:, j] = the one-hot column of class labels[idx[offset + j]] for j &lt; m (dst: rows floats per
     * column); an index outside the labels or a class outside [0, rows) gives NaN.
     */
    static void oneHot(int[] labels, int[] idx, int offset, int m, int rows, long dst) {
        for (int j = 0; j < m; j++) {
            int s = idx[offset + j];
            int c = s >= 0 && s < labels.length ? labels[s] : -1;
            long out = (long) j * rows;
            boolean ok = c >= 0 && c < rows;
            for (int i = 0; i < rows; i++) Mem.put(dst, out + i, ok ? (i == c ? 1f : 0f) : Float.NaN);
        }
    }
}
