package dev.jbackprop.spark.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jbackprop.cli.DistributedTraining;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.function.Consumer;

/**
 * Worker 0's log, line by line, to the driver's streams as train prints in one process. With --json: train's JSON
 * objects to stdout, each epoch once (a stage restarted from a checkpoint trains the epochs after it again, to the same
 * figures: the first object stands), everything else to the human text (stderr, or nowhere with --quiet). Without: the
 * log's own lines ({@link TrainWorker#MARK}) to the human text, train's to stdout (worker 0 ran with --quiet when the
 * driver did, so that under --quiet only its result is left).
 */
final class LogRelay implements Consumer<String> {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final boolean json;
    private final PrintWriter stdout;
    private final PrintWriter text;
    private int epoch; // the last epoch printed as JSON

    LogRelay(boolean json, PrintWriter stdout, PrintWriter text) {
        this.json = json;
        this.stdout = stdout;
        this.text = text;
    }

    @Override
    public void accept(String line) {
        PrintWriter to;
        if (json) {
            int e = line.startsWith(DistributedTraining.JSON_LINE) ? epochOf(line) : -1;
            if (e > 0 && e <= epoch) return; // printed already
            if (e > 0) epoch = e;
            to = e > 0 ? stdout : text;
        } else {
            to = line.startsWith(TrainWorker.MARK) ? text : stdout;
        }
        to.println(line);
        to.flush();
    }

    /** The epoch of a train.epoch object, or -1 when the line is not one (then it is text). */
    private static int epochOf(String line) {
        try {
            JsonNode e = JSON.readTree(line).get("epoch");
            return e != null && e.canConvertToInt() && e.asInt() >= 1 ? e.asInt() : -1;
        } catch (IOException ex) {
            return -1;
        }
    }
}
