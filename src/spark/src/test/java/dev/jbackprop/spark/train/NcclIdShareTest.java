package dev.jbackprop.spark.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jbackprop.spark.BarrierOptions;
import dev.jbackprop.spark.BarrierResult;
import dev.jbackprop.spark.BarrierRunner;
import dev.jbackprop.spark.SparkContexts;
import dev.jbackprop.spark.WorkerLoop;
import org.apache.spark.SparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * How NCCL's id travels on Spark ({@link TrainWorker#shareThroughBarrier}): rank 0's 128 bytes, hex through the barrier
 * stage's allGather, reach every worker whole (no GPU involved: the bytes stand in for an ncclUniqueId).
 */
class NcclIdShareTest {
    static byte[] id() {
        byte[] id = new byte[128]; // NCCL_UNIQUE_ID_BYTES
        for (int i = 0; i < id.length; i++) id[i] = (byte) (i * 37 - 100); // negative bytes too
        return id;
    }

    @Test
    @Timeout(120)
    void rankZerosIdReachesEveryWorker() {
        SparkContext sc = SparkContexts.start("local[2]", "NcclIdShareTest");
        try {
            WorkerLoop<byte[]> loop = worker -> TrainWorker.shareThroughBarrier(worker.rank() == 0 ? id() : null);
            BarrierResult<byte[]> result = BarrierRunner.run(sc, BarrierOptions.of(2), loop);
            assertEquals(2, result.byRank().size());
            for (byte[] got : result.byRank()) assertArrayEquals(id(), got);
        } finally {
            sc.stop();
        }
    }
}
