/**
 * jbackprop: multi-layer perceptrons trained by backpropagation on the CPU (OpenBLAS) and NVIDIA GPUs (JCuda +
 * cuBLAS). The one exported package is {@link dev.jbackprop.api}: build or load a network, choose a backend, fit,
 * evaluate, predict and save. Everything else (the engine, the backends, the reference oracle, the data readers,
 * the model files, the diagnostics) is internal and may change between versions.
 */
module dev.jbackprop {
    exports dev.jbackprop.api;

    requires com.fasterxml.jackson.databind;
    requires de.siegmar.fastcsv;
    requires ch.randelshofer.fastdoubleparser;
    requires org.bytedeco.javacpp;
    requires org.bytedeco.openblas;
    requires jdk.unsupported; // sun.misc.Unsafe: the CPU backend's off-heap blocks (backend/cpu/Mem)
    requires jdk.management; // com.sun.management and java.lang.management: the memory a run may use
    // (engine/MemoryLimits)
    // JCuda and JCublas have no module descriptor: automatic modules named after their jars
    requires jcuda;
    requires jcublas;
}
