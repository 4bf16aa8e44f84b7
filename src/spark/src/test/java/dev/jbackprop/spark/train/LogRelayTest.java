package dev.jbackprop.spark.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

/** Worker 0's log lines to the driver's streams: which line goes where, and each epoch's JSON object once. */
class LogRelayTest {
    static String epoch(int e) {
        return "{\"schema\":{\"name\":\"jbackprop.train.epoch\",\"version\":1},\"epoch\":" + e + ",\"steps\":" + 4 * e
                + "}";
    }

    @Test
    void withJsonStdoutGetsEachEpochsObjectOnceAndTheTextGoesToTheText() {
        StringWriter out = new StringWriter(), text = new StringWriter();
        LogRelay relay = new LogRelay(true, new PrintWriter(out), new PrintWriter(text));
        String header = TrainWorker.MARK + "0 of 2, attempt 1: jbackprop train --json";
        relay.accept(header);
        relay.accept("epoch   1/3  loss 2.0456");
        relay.accept(epoch(1));
        relay.accept(epoch(2));
        relay.accept(TrainWorker.MARK + "0, attempt 1 stopped at step 10: ...");
        relay.accept(TrainWorker.MARK + "0 of 2, attempt 2, from ckpt-000000004.safetensors: ...");
        relay.accept(epoch(2)); // the restart trains epoch 2 again
        relay.accept(epoch(3));
        relay.accept("{\"schema\":{\"name\":\"jbackprop.other\"}}"); // not an epoch's: text
        relay.accept("{\"schema\": not JSON");
        assertEquals(String.join("\n", epoch(1), epoch(2), epoch(3)) + "\n", out.toString());
        assertEquals(6, text.toString().lines().count(), text.toString()); // header, epoch line, 2 marks, 2 not epochs
    }

    @Test
    void withoutJsonTrainsTextGoesToStdoutAndTheLogsOwnLinesToTheText() {
        StringWriter out = new StringWriter(), text = new StringWriter();
        LogRelay relay = new LogRelay(false, new PrintWriter(out), new PrintWriter(text));
        relay.accept(TrainWorker.MARK + "0 of 2, attempt 1: jbackprop train --quiet");
        relay.accept("best validation loss 0.7833 (epoch 3); 12 steps; wrote runs/a");
        assertEquals("best validation loss 0.7833 (epoch 3); 12 steps; wrote runs/a\n", out.toString());
        assertEquals(TrainWorker.MARK + "0 of 2, attempt 1: jbackprop train --quiet\n", text.toString());
    }
}
