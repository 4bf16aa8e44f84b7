package dev.jbackprop.backend.cuda;

import dev.jbackprop.engine.StepReplay;
import jcuda.CudaException;
import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUstreamCaptureMode;
import jcuda.driver.JCudaDriver;

/**
 * A step body as a CUDA graph: run 1 runs it eagerly (warm-up: lazy allocations such as the ones
 * vector of sumColumns happen outside any capture); run 2 captures it on the device stream,
 * instantiates the graph and launches it; every later run is one cuGraphLaunch. Captured kernel
 * parameters and cuBLAS scalars are fixed at capture, so the body must use the same buffers and
 * sizes on every run (the data's batch indices live in a fixed buffer filled before each run).
 *
 * <p>A capture the driver or cuBLAS refuses (a call not supported under capture, an invalidated
 * capture, a graph that does not instantiate) is not fatal: the partial graph is dropped, that run
 * and every later one run the body eagerly, and the backend logs one warning. A body that would
 * synchronise with the host or allocate during the capture is a bug in the body and still throws
 * ({@link CudaDevice#notCapturing}).
 *
 * <p>Capture mode THREAD_LOCAL: a call on this thread that would synchronise or allocate during the
 * capture fails (as does our own notCapturing check, with a clearer message), while other threads'
 * CUDA calls do not break it, as they would in GLOBAL mode, with one exception that no mode lifts: an
 * operation on the legacy default stream synchronises with every blocking stream, so it fails
 * (CUDA_ERROR_STREAM_CAPTURE_IMPLICIT) and invalidates the capture if the capturing stream is
 * blocking. Our streams are non-blocking and we never use the legacy stream (CudaDevice), so another
 * CudaOps on another thread cannot break this capture. Other threads' work on this backend is kept
 * out of the stream by holding the CudaOps and device locks for the whole capture.
 */
final class GraphReplay implements StepReplay {
    private static final System.Logger LOG = System.getLogger("dev.jbackprop.backend.cuda");

    private final CudaOps ops;
    private final CudaDevice device;
    private final Runnable body;
    private int runs;
    private boolean eager; // the capture failed: run the body eagerly from now on
    private CUgraph graph;
    private CUgraphExec exec;
    private boolean closed;

    GraphReplay(CudaOps ops, CudaDevice device, Runnable body) {
        this.ops = ops;
        this.device = device;
        this.body = body;
    }

    boolean captured() {
        synchronized (device) {
            return exec != null;
        }
    }

    /** Whether a failed capture made this replay run its body eagerly (for tests). */
    boolean eager() {
        synchronized (device) {
            return eager;
        }
    }

    @Override
    public void run() {
        synchronized (ops) {
            synchronized (device) {
                if (closed) throw new IllegalStateException("the CUDA graph replay is closed");
                device.bind();
                if (exec != null) launch();
                else if (runs == 0 || eager) body.run();
                else captureOrRunEagerly();
                runs++;
            }
        }
    }

    private void launch() {
        try {
            JCudaDriver.cuGraphLaunch(exec, device.stream);
        } catch (CudaException e) {
            throw device.failure("cuGraphLaunch", CudaDevice.lazily(() -> "run " + (runs + 1)), e);
        }
        device.launched("cuGraphLaunch", null);
    }

    /** Captures and launches the step; if the driver or cuBLAS refuses the capture, runs the body eagerly instead. */
    private void captureOrRunEagerly() {
        CUgraph g = new CUgraph();
        CUgraphExec x = new CUgraphExec();
        try {
            capture(g);
            try {
                JCudaDriver.cuGraphInstantiate(x, g, 0);
            } catch (CudaException e) {
                JCudaDriver.cuGraphDestroy(g); // not kept: a later capture would otherwise leak it
                throw e;
            }
        } catch (CudaException | GpuException e) {
            eager = true;
            ops.captureFailed(e.getMessage());
            body.run(); // the capture recorded the step without running it
            return;
        }
        graph = g;
        exec = x;
        LOG.log(System.Logger.Level.DEBUG, "training step captured as a CUDA graph on " + device.describe());
        launch(); // the capture recorded the step without running it
    }

    /** Records the body into g; a body that breaks off leaves no capture behind (the stream is usable again). */
    private void capture(CUgraph g) {
        JCudaDriver.cuStreamBeginCapture(device.stream, CUstreamCaptureMode.CU_STREAM_CAPTURE_MODE_THREAD_LOCAL);
        device.capturing = true;
        boolean ended = false;
        try {
            body.run();
            device.capturing = false;
            ended = true;
            JCudaDriver.cuStreamEndCapture(device.stream, g);
        } finally {
            device.capturing = false;
            if (!ended) abortCapture();
        }
    }

    /** Ends a capture the body broke off, dropping its partial graph; the stream is usable again. */
    private void abortCapture() {
        try {
            CUgraph partial = new CUgraph();
            JCudaDriver.cuStreamEndCapture(device.stream, partial);
            JCudaDriver.cuGraphDestroy(partial);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "ending a broken capture: " + e.getMessage());
        }
    }

    /** Frees the graph and its executable. Never throws. */
    @Override
    public void close() {
        synchronized (ops) {
            synchronized (device) {
                closeLocked();
            }
        }
    }

    private void closeLocked() {
        if (closed) return;
        closed = true;
        ops.forget(this);
        if (device.closed()) return; // the context, and the graphs with it, are gone
        try {
            device.bind();
            if (exec != null) {
                JCudaDriver.cuStreamSynchronize(device.stream); // a launch may still be running
                JCudaDriver.cuGraphExecDestroy(exec);
            }
            if (graph != null) JCudaDriver.cuGraphDestroy(graph);
        } catch (RuntimeException e) {
            LOG.log(
                    System.Logger.Level.WARNING,
                    "freeing a CUDA graph on " + device.describe() + ": " + e.getMessage());
        } finally {
            exec = null;
            graph = null;
        }
    }
}
