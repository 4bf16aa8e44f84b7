package dev.jbackprop.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed set of worker threads that split an index range [0, n) with the calling thread. Unlike a
 * parallel stream it allocates nothing per call, so a training step stays allocation-free: callers
 * keep one {@link RangeTask} object per operation and set its fields before {@link #run}.
 * One caller at a time (the training loop); a second concurrent caller waits.
 */
final class WorkerPool implements AutoCloseable {

    /** Work over [from, to). */
    interface RangeTask {
        void run(int from, int to);
    }

    // Spins of an idle worker before it parks: the operations of a training step follow each other
    // within microseconds, and a parked worker takes tens of microseconds to wake. With more threads
    // than cores a spinning worker takes the core another thread needs, so then workers park at once
    // ([784,1024,1024,10], batch 256, on 2 cores: 3 threads ran at 7,151 samples/s spinning and
    // 9,805-9,884 parking; 1 thread 8,772-9,362, 2 threads 14,168-15,722).
    private static final int IDLE_SPINS = 100_000, OVERSUBSCRIBED_SPINS = 200;
    private final int idleSpins;
    private final Thread[] workers;
    private final int parts;
    private volatile RangeTask task;
    private volatile int n;
    private volatile long generation;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile boolean closed;
    private volatile Throwable failure;

    WorkerPool(int threads) {
        this.parts = Math.max(1, threads);
        this.idleSpins = parts > Runtime.getRuntime().availableProcessors() ? OVERSUBSCRIBED_SPINS : IDLE_SPINS;
        this.workers = new Thread[parts - 1];
        for (int i = 0; i < workers.length; i++) {
            final int part = i + 1;
            Thread t = new Thread(() -> loop(part), "jbackprop-cpu-" + part);
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    /** Runs task over [0, n) split into contiguous chunks, one per thread; returns when all are done. */
    synchronized void run(RangeTask task, int n, int minPerThread) {
        if (n <= 0) return;
        int useful = (int) Math.min(parts, Math.max(1, n / Math.max(1, minPerThread)));
        if (useful <= 1 || workers.length == 0) {
            task.run(0, n);
            return;
        }
        this.task = task;
        this.n = n;
        this.failure = null;
        pending.set(workers.length);
        generation++;
        for (Thread t : workers) LockSupport.unpark(t);
        runPart(task, n, 0);
        int spins = 0;
        while (pending.get() != 0) {
            if (++spins > 2000) LockSupport.parkNanos(20_000);
            else Thread.onSpinWait();
        }
        this.task = null;
        Throwable f = failure;
        if (f != null) {
            if (f instanceof RuntimeException r) throw r;
            if (f instanceof Error e) throw e;
            throw new IllegalStateException(f);
        }
    }

    private void runPart(RangeTask t, int total, int part) {
        long from = (long) total * part / parts;
        long to = (long) total * (part + 1) / parts;
        if (from < to) t.run((int) from, (int) to);
    }

    private void loop(int part) {
        long seen = 0;
        while (!closed) {
            long g = generation;
            if (g == seen) {
                int spins = 0;
                while (generation == seen && !closed) {
                    if (++spins > idleSpins) LockSupport.parkNanos(1_000_000);
                    else Thread.onSpinWait();
                }
                continue;
            }
            seen = g;
            RangeTask t = task;
            try {
                if (t != null) runPart(t, n, part);
            } catch (Throwable e) {
                failure = e;
            } finally {
                pending.decrementAndGet();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        for (Thread t : workers) LockSupport.unpark(t);
    }
}
