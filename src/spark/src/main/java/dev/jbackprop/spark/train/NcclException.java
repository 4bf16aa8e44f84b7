package dev.jbackprop.spark.train;

/**
 * An NCCL call of {@link NcclExchange} (or the CUDA runtime call that prepares one) returned an error: the message
 * names the call, the code and NCCL's own description of it. The step's gradients must not be used.
 */
public final class NcclException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String call;
    private final int code;

    NcclException(String call, int code, String description) {
        super(message(call, code, description));
        this.call = call;
        this.code = code;
    }

    /** The call that failed, for example {@code ncclAllReduce}. */
    public String call() {
        return call;
    }

    /** The ncclResult_t (or cudaError_t for a cuda* call) it returned. */
    public int code() {
        return code;
    }

    static String message(String call, int code, String description) {
        String name = call.startsWith("nccl") ? resultName(code) : null;
        String what = description == null || description.isBlank() ? "no description" : description.strip();
        return call + " failed: " + (name != null ? name + " (" + code + ")" : "error " + code) + ", " + what;
    }

    /** The name nccl.h gives an ncclResult_t, or null for a code it does not name. */
    static String resultName(int code) {
        return switch (code) {
            case 0 -> "ncclSuccess";
            case 1 -> "ncclUnhandledCudaError";
            case 2 -> "ncclSystemError";
            case 3 -> "ncclInternalError";
            case 4 -> "ncclInvalidArgument";
            case 5 -> "ncclInvalidUsage";
            case 6 -> "ncclRemoteError";
            case 7 -> "ncclInProgress";
            default -> null;
        };
    }
}
