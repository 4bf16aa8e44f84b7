package dev.jbackprop.cli;

import dev.jbackprop.backend.cpu.CpuOps;
import dev.jbackprop.backend.cuda.CudaBackend;
import dev.jbackprop.backend.cuda.CudaProbe;
import dev.jbackprop.engine.Ops;
import java.util.Locale;
import java.util.function.Consumer;

/** Chooses and opens a backend: cpu, cuda, or auto (the GPU when everything it needs is there). */
public final class Backends {
  private Backends() {}

  /** Why the GPU backend cannot be used here, or null when it can. */
  public static String cudaUnavailableReason() {
    CudaProbe.Availability a = CudaProbe.probe();
    return a.available() ? null : a.reason();
  }

  /** Device, driver and library versions, when the GPU backend is available. */
  public static String cudaInfo() {
    return CudaProbe.info();
  }

  /** Fails as {@link #open} would for an unknown name or an unavailable GPU, without opening anything. */
  public static void check(String name) {
    String n = name == null ? "auto" : name.toLowerCase(Locale.ROOT);
    switch (n) {
      case "cpu", "auto" -> { }
      case "cuda", "gpu" -> {
        String why = cudaUnavailableReason();
        if (why != null) throw unavailable(why);
      }
      default -> throw unknown(name);
    }
  }

  private static Main.Failure unavailable(String why) {
    return new Main.Failure("--backend cuda is not available: " + why + "; use --backend cpu");
  }

  private static IllegalArgumentException unknown(String name) {
    return new IllegalArgumentException("unknown --backend '" + name + "'; valid: auto, cpu, cuda");
  }

  public static Ops open(String name, int threads, boolean tf32, boolean debug, Consumer<String> log) {
    String n = name == null ? "auto" : name.toLowerCase(Locale.ROOT);
    switch (n) {
      case "cpu":
        return new CpuOps(threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
      case "cuda":
      case "gpu": {
        String why = cudaUnavailableReason();
        if (why != null) throw unavailable(why);
        return CudaBackend.open(tf32, false, debug);
      }
      case "auto": {
        String why = cudaUnavailableReason();
        if (why == null) return open("cuda", threads, tf32, debug, log);
        log.accept("using the CPU backend (GPU not used: " + why + ")");
        return open("cpu", threads, tf32, debug, log);
      }
      default:
        throw unknown(name);
    }
  }
}
