package dev.jbackprop.backend.cpu;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed team of threads: the calling thread (part 0) and {@code threads − 1} workers (parts 1 …).
 * {@link #run(PartTask, int)} hands one task to the first {@code parts} of them and returns when all
 * are done (a replayed step is one such task, its threads waiting for each other's stages inside it,
 * see {@link CpuPlan}). Nothing is allocated per call, so a training step stays allocation-free. One
 * caller at a time (the training loop); a second concurrent caller waits.
 */
final class WorkerPool implements AutoCloseable {

    /** One part of some work: part p of {@code parts}. */
    interface PartTask {
        void run(int part);
    }

    // Spins of an idle worker before it parks: the operations of a training step follow each other
    // within microseconds, and a parked worker takes tens of microseconds to wake. With more threads
    // than cores a spinning worker takes the core another thread needs, so then workers park at once
    // ([784,1024,1024,10], batch 256, on 2 cores: 3 threads ran at 7,151 samples/s spinning and
    // 9,805-9,884 parking; 1 thread 8,772-9,362, 2 threads 14,168-15,722).
    private static final int IDLE_SPINS = 100_000, OVERSUBSCRIBED_SPINS = 200;
    // Spins while waiting for another thread (some tens of microseconds) before yielding the core at
    // each further check: the late thread may be waiting for a core that another job holds.
    static final int BARRIER_SPINS = 4_000;
    private final int idleSpins;
    private final Thread[] workers;
    final int threads;
    private volatile PartTask task;
    private volatile int parts;
    private volatile long generation;
    private final AtomicInteger pending = new AtomicInteger();
    private volatile boolean closed;
    private volatile Throwable failure;

    WorkerPool(int threads) {
        this.threads = Math.max(1, threads);
        this.idleSpins = this.threads > Runtime.getRuntime().availableProcessors() ? OVERSUBSCRIBED_SPINS : IDLE_SPINS;
        this.workers = new Thread[this.threads - 1];
        for (int i = 0; i < workers.length; i++) {
            final int part = i + 1;
            Thread t = new Thread(() -> loop(part), "jbackprop-cpu-" + part);
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    /**
     * Runs task.run(p) for p = 0 … parts−1 (at most the team's size), part 0 on the calling thread,
     * and returns when all are done.
     */
    synchronized void run(PartTask task, int parts) {
        parts = Math.min(parts, threads);
        if (parts <= 1) {
            task.run(0);
            return;
        }
        this.task = task;
        this.parts = parts;
        this.failure = null;
        pending.set(workers.length);
        generation++;
        for (Thread t : workers) LockSupport.unpark(t);
        try {
            task.run(0);
        } catch (Throwable e) {
            failure = e; // workers waiting for this thread's part see it and leave
        }
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

    /**
     * Runs task over [0, n) split into contiguous chunks, one per thread (fewer when a chunk would
     * have fewer than minPerThread items); returns when all are done.
     */
    void run(RangeTask task, int n, int minPerThread) {
        if (n <= 0) return;
        int useful = (int) Math.min(threads, Math.max(1, n / Math.max(1, minPerThread)));
        if (useful <= 1) {
            task.run(0, n);
            return;
        }
        rangeTask.task = task;
        rangeTask.n = n;
        rangeTask.parts = useful;
        try {
            run(rangeTask, useful);
        } finally {
            rangeTask.task = null;
        }
    }

    /** Work over [from, to). */
    interface RangeTask {
        void run(int from, int to);
    }

    private static final class Ranges implements PartTask {
        RangeTask task;
        int n, parts;

        @Override
        public void run(int part) {
            int from = Split.bound(n, parts, part), to = Split.bound(n, parts, part + 1);
            if (from < to) task.run(from, to);
        }
    }

    private final Ranges rangeTask = new Ranges();

    /** Throws when a thread of the team failed in the task being run (so that nobody waits for it). */
    void checkFailure() {
        Throwable f = failure;
        if (f != null) throw new IllegalStateException("another thread of the step failed", f);
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
            PartTask t = task;
            try {
                if (t != null && part < parts) t.run(part);
            } catch (Throwable e) {
                if (failure == null) failure = e;
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
