package dev.jbackprop.backend.cpu;

import dev.jbackprop.engine.ByteBlock;

/** uint8 values on the heap (like {@link CpuIndexBlock}): read only by {@link CpuGather}. */
final class CpuByteBlock implements ByteBlock {
    final byte[] bytes;
    /** This block's span for {@link CpuTask.Access} (not a real address; see {@link CpuIndexBlock#span}). */
    final long address;

    CpuByteBlock(long length) {
        if (length < 0 || length > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "a CPU byte block holds at most " + (Integer.MAX_VALUE - 8) + " bytes; asked for " + length);
        }
        bytes = new byte[(int) length];
        address = CpuIndexBlock.span(length);
    }

    @Override
    public long length() {
        return bytes.length;
    }

    @Override
    public void close() {}
}
