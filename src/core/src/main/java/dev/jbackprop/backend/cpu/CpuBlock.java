package dev.jbackprop.backend.cpu;

import dev.jbackprop.engine.Block;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Host memory for the CPU backend: off-heap (malloc via JavaCPP) so that OpenBLAS reads it in place
 * and {@link #close()} frees it at once. {@link #buf} is a direct FloatBuffer starting at this
 * block's first float (views are slices), so the BLAS sees the view's own address.
 */
final class CpuBlock implements Block {
    private final FloatPointer owner; // non-null for a root block
    final FloatBuffer buf;
    /** Address of this block's first float (for {@link Mem}). */
    final long address;

    private final long length;
    private boolean closed;

    private CpuBlock(FloatPointer owner, FloatBuffer buf, long address, long length) {
        this.owner = owner;
        this.buf = buf;
        this.address = address;
        this.length = length;
    }

    /**
     * The most floats a block holds: its {@link #buf} is a view of a direct ByteBuffer, whose capacity in bytes is
     * an int, so 4 bytes a float give (2^31 − 1) / 4 = 536,870,911 floats (2 GiB).
     */
    static final long MAX_FLOATS = Integer.MAX_VALUE / 4;

    static CpuBlock allocate(long length) {
        if (length < 0 || length > MAX_FLOATS) {
            throw new IllegalArgumentException(String.format(
                    "a CPU block holds at most %,d floats (2 GiB, the size of a direct buffer); asked for %,d",
                    MAX_FLOATS, length));
        }
        FloatPointer p = new FloatPointer(Math.max(1, length));
        if (p.isNull()) throw new OutOfMemoryError("could not allocate " + length * 4 + " bytes of host memory");
        p.zero();
        FloatBuffer b = p.capacity(Math.max(1, length)).asBuffer();
        return new CpuBlock(p, b.limit((int) length).slice(), p.address(), length);
    }

    @Override
    public long length() {
        return length;
    }

    @Override
    public CpuBlock view(long offset, long len) {
        if (offset < 0 || len < 0 || offset + len > length) {
            throw new IndexOutOfBoundsException(
                    "view [" + offset + ", " + (offset + len) + ") outside block of " + length);
        }
        FloatBuffer v = buf.duplicate()
                .position((int) offset)
                .limit((int) (offset + len))
                .slice();
        return new CpuBlock(null, v, address + 4 * offset, len);
    }

    @Override
    public synchronized void close() {
        if (owner != null && !closed) {
            closed = true;
            owner.close();
        }
    }
}
