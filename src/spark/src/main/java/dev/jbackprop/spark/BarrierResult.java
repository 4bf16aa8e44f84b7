package dev.jbackprop.spark;

import java.io.Serializable;
import java.util.List;

/**
 * What a barrier stage returned: each worker's result, by rank, from the attempt that succeeded, and how many attempts
 * it took (1 when nothing failed).
 */
public record BarrierResult<R extends Serializable>(List<R> byRank, int attempts) {
    public BarrierResult {
        byRank = List.copyOf(byRank);
    }
}
