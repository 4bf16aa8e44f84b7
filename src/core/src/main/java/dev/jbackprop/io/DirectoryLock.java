package dev.jbackprop.io;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The one-writer lock of a run's directory: an exclusive lock on {@code dir/}{@value #FILE}, held for as long as a
 * process writes into the directory. The file holds the holder's process id, so a refused process can say who
 * holds it. The operating system drops the lock when its holder dies, however it dies; the file itself stays (it
 * is jbackprop's, and deleting a lock file would let two processes lock two different files).
 */
public final class DirectoryLock implements AutoCloseable {
    /** The lock file's name in the directory. */
    public static final String FILE = ".jbackprop.lock";

    private final Path dir;
    private final FileChannel channel;
    private final FileLock lock;

    private DirectoryLock(Path dir, FileChannel channel, FileLock lock) {
        this.dir = dir;
        this.channel = channel;
        this.lock = lock;
    }

    /** The directory is locked by another process, or by another run in this one. */
    public static final class InUseException extends BadFileException {
        private static final long serialVersionUID = 1L;
        private final long holder;

        InUseException(Path dir, long holder, boolean thisProcess) {
            super(
                    dir,
                    thisProcess
                            ? "is in use by another run in this process (pid " + holder + ")"
                            : holder > 0
                                    ? "is in use by jbackprop process " + holder
                                    : "is in use by another jbackprop process (its pid is not written yet)");
            this.holder = holder;
        }

        /** The holder's process id, or -1 when it could not be read. */
        public long holder() {
            return holder;
        }
    }

    /**
     * Locks {@code dir} (which must exist) for this process, without waiting.
     *
     * @param dir the directory
     * @return the held lock
     * @throws InUseException when another process (or another run in this one) holds it
     * @throws BadFileException when the lock file cannot be created or locked
     */
    public static DirectoryLock acquire(Path dir) throws BadFileException {
        Path file = dir.resolve(FILE);
        if (Files.isSymbolicLink(file))
            throw new BadFileException(file, "is a symbolic link; jbackprop does not follow links in a run directory");
        FileChannel ch = null;
        try {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                throw new InUseException(dir, ProcessHandle.current().pid(), true);
            }
            if (lock == null) throw new InUseException(dir, holder(ch), false);
            byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
            ch.truncate(0);
            ByteBuffer b = ByteBuffer.wrap(pid);
            while (b.hasRemaining()) ch.write(b, b.position());
            ch.force(false);
            DirectoryLock held = new DirectoryLock(dir, ch, lock);
            ch = null;
            return held;
        } catch (IOException e) {
            throw BadFileException.wrap(dir, "lock the directory (" + file.getFileName() + ")", e);
        } finally {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException e) {
                    // nothing was locked
                }
            }
        }
    }

    /**
     * Fails as {@link #acquire} would when another process holds the lock, without creating anything: a check
     * before the directory is written.
     *
     * @param dir the directory (it may not exist)
     * @throws InUseException when another process (or another run in this one) holds the lock
     */
    public static void checkFree(Path dir) throws BadFileException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) return;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock lock;
            try {
                lock = ch.tryLock();
            } catch (OverlappingFileLockException e) {
                throw new InUseException(dir, ProcessHandle.current().pid(), true);
            }
            if (lock == null) throw new InUseException(dir, holder(ch), false);
            lock.release();
        } catch (NoSuchFileException e) {
            // gone in the meantime: free
        } catch (IOException e) {
            throw BadFileException.wrap(dir, "check the directory's lock (" + file.getFileName() + ")", e);
        }
    }

    /** The pid written in the lock file, or -1 (the holder may be between locking and writing it). */
    private static long holder(FileChannel ch) {
        for (int attempt = 0; attempt < 20; attempt++) {
            try {
                ByteBuffer b = ByteBuffer.allocate(32);
                ch.read(b, 0);
                String s = new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII).trim();
                if (!s.isEmpty()) return Long.parseLong(s);
                Thread.sleep(5);
            } catch (IOException | NumberFormatException e) {
                return -1;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return -1;
            }
        }
        return -1;
    }

    /** The locked directory. */
    public Path dir() {
        return dir;
    }

    /** Releases the lock (the file stays). Never throws. */
    @Override
    public void close() {
        try {
            if (lock.isValid()) lock.release();
        } catch (IOException e) {
            // closing the channel releases it too
        }
        try {
            channel.close();
        } catch (IOException e) {
            // the lock goes with the process anyway
        }
    }
}
