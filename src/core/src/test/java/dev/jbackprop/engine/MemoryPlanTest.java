package dev.jbackprop.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jbackprop.model.Activation;
import dev.jbackprop.model.Cost;
import dev.jbackprop.model.InvalidConfigException;
import dev.jbackprop.model.NetworkSpec;
import dev.jbackprop.model.Setting;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The memory plan: every block the network allocates, sized as {@link Network} sizes it; overflow is an impossible
 * setting; a block above the backend's limit names the setting that makes it smaller; more than the memory
 * available is refused with the total and the limit.
 */
class MemoryPlanTest {
    static final NetworkSpec MNIST =
            NetworkSpec.of(new int[] {784, 256, 10}, Activation.RELU, Activation.SOFTMAX, Cost.CROSS_ENTROPY);
    static final List<MemoryPlan.Data> DATA =
            List.of(new MemoryPlan.Data("training", 60_000, 784, 10), new MemoryPlan.Data("test", 10_000, 784, 10));

    static MemoryLimits host(long maxBlock, long hostBytes) {
        return new MemoryLimits(false, false, 0, maxBlock, "test block limit", hostBytes, "test host limit", 0, "none");
    }

    static MemoryLimits device(long deviceBytes, boolean bf16) {
        return new MemoryLimits(
                true, bf16, 32L << 20, Long.MAX_VALUE / 8, "long", Long.MAX_VALUE, "host", deviceBytes, "test device");
    }

    static long bytes(MemoryPlan p, String prefix) {
        return p.items().stream()
                .filter(i -> i.what().startsWith(prefix))
                .mapToLong(MemoryPlan.Item::bytes)
                .sum();
    }

    @Test
    void theBlocksAreTheNetworksOwn() {
        MemoryPlan p = MemoryPlan.forTraining(MNIST, 64, 1, DATA, host(Long.MAX_VALUE, Long.MAX_VALUE));
        long params = 784L * 256 + 256 * 10 + 256 + 10;
        assertEquals(4 * params, bytes(p, "parameters"));
        assertEquals(4 * params, bytes(p, "gradients"));
        assertEquals(4 * params, bytes(p, "momentum"));
        assertEquals(4L * 64 * (784 + 10 + 3 * (256 + 10)), bytes(p, "activations"));
        assertEquals(4L * 60_000 * (784 + 10), bytes(p, "training data ("));
        assertEquals(8L * 60_000, bytes(p, "training data's sample order"));
        // what Network allocates on a real backend, block by block
        try (dev.jbackprop.backend.cpu.CpuOps ops = new dev.jbackprop.backend.cpu.CpuOps(1);
                Network net = new Network(ops, MNIST, 64, true)) {
            long planned =
                    bytes(p, "parameters") + bytes(p, "gradients") + bytes(p, "momentum") + bytes(p, "activations");
            long allocated =
                    net.params.length() + net.grads.length() + net.velocity.length() + net.activations.length();
            assertEquals(planned, 4 * allocated, "the plan's network blocks are what Network allocates");
        }
        assertEquals(
                p.total(MemoryPlan.Place.HOST),
                p.items().stream()
                        .filter(i -> i.place() == MemoryPlan.Place.HOST)
                        .mapToLong(MemoryPlan.Item::bytes)
                        .sum());
        p.check();
        MemoryPlan noMomentum = MemoryPlan.forTraining(MNIST, 64, 0, DATA, host(Long.MAX_VALUE, Long.MAX_VALUE));
        assertEquals(0, bytes(noMomentum, "momentum"));
    }

    @Test
    void sizesThatOverflowAreImpossibleSettings() {
        int[] sizes = new int[2002];
        Arrays.fill(sizes, 1 << 20);
        NetworkSpec huge = NetworkSpec.of(
                sizes, java.util.Collections.nCopies(2000, Activation.RELU), Activation.SOFTMAX, Cost.CROSS_ENTROPY);
        InvalidConfigException e = assertThrows(
                InvalidConfigException.class,
                () -> MemoryPlan.forTraining(huge, Integer.MAX_VALUE, 1, DATA, host(Long.MAX_VALUE, Long.MAX_VALUE)));
        assertTrue(e.getMessage().contains("larger than 2^63 bytes"), e.getMessage());
        assertEquals(Setting.BATCH, e.setting());
    }

    @Test
    void aBlockAboveTheBackendsLimitNamesTheSettingThatShrinksIt() {
        long limit = 536_870_911L;
        // [784, 1048576, 10]: 833 million parameters, more than a CPU block holds
        NetworkSpec wide =
                NetworkSpec.of(new int[] {784, 1 << 20, 10}, Activation.RELU, Activation.SOFTMAX, Cost.CROSS_ENTROPY);
        MemoryPlan p = MemoryPlan.forTraining(wide, 64, 1, DATA, host(limit, Long.MAX_VALUE));
        InvalidConfigException e = assertThrows(InvalidConfigException.class, p::check);
        assertEquals(Setting.LAYER_SIZES, e.setting());
        String n = String.format("%,d floats", wide.layout().total());
        assertTrue(e.getMessage().contains(n) && e.getMessage().contains("536,870,911"), e.getMessage());

        // the activations of a batch: 1592 floats a sample, so a batch of 400,000 is 636.8 million
        MemoryPlan big = MemoryPlan.forTraining(MNIST, 400_000, 1, DATA, host(limit, Long.MAX_VALUE));
        e = assertThrows(InvalidConfigException.class, big::check);
        assertEquals(Setting.BATCH, e.setting());
        assertTrue(e.getMessage().startsWith("the activations for a batch of 400000"), e.getMessage());
        MemoryPlan.forTraining(MNIST, 300_000, 1, DATA, host(limit, Long.MAX_VALUE))
                .check(); // 477.6 million: fits

        // more parameters than one Java array holds
        NetworkSpec two = NetworkSpec.of(
                new int[] {784, 1 << 20, 1 << 20, 10},
                List.of(Activation.RELU, Activation.RELU),
                Activation.SOFTMAX,
                Cost.CROSS_ENTROPY);
        e = assertThrows(
                InvalidConfigException.class,
                () -> MemoryPlan.forTraining(two, 64, 1, DATA, device(Long.MAX_VALUE, false))
                        .check());
        assertTrue(e.getMessage().contains("more than one Java array holds"), e.getMessage());
    }

    @Test
    void moreThanIsAvailableIsRefusedWithTheTotalAndTheLimit() {
        MemoryPlan p = MemoryPlan.forTraining(MNIST, 64, 1, DATA, host(Long.MAX_VALUE, 100L << 20));
        InsufficientMemoryException e = assertThrows(InsufficientMemoryException.class, p::check);
        assertEquals(MemoryPlan.Place.HOST, e.place);
        assertEquals(p.total(MemoryPlan.Place.HOST), e.needed);
        assertEquals(100L << 20, e.available);
        String m = e.getMessage();
        assertTrue(m.contains("needs " + MemoryPlan.bytes(e.needed) + " of host memory but 100 MiB are available"), m);
        assertTrue(m.contains("(test host limit)"), m);
        assertTrue(m.contains("the largest part is the training data"), m);
        assertFalse(m.contains("--"), "the library names settings, not flags: " + m);
    }

    @Test
    void onADeviceDataThatDoesNotFitIsStreamedAndANetworkThatDoesNotFitIsRefused() {
        MemoryPlan resident = MemoryPlan.forTraining(MNIST, 64, 1, DATA, device(80L << 30, false));
        assertFalse(resident.streamed());
        assertEquals(4L * 60_000 * 794 + 8L * 60_000, bytes(resident, "training data"));
        resident.check();

        MemoryPlan streamed = MemoryPlan.forTraining(MNIST, 64, 1, DATA, device(600L << 20, false));
        assertTrue(streamed.streamed(), "224 MiB of data and 512 MiB of reserve do not fit in 600 MiB");
        assertTrue(streamed.total(MemoryPlan.Place.DEVICE) < 40L << 20, "only the network and staging buffers");
        streamed.check();

        MemoryPlan bf16 = MemoryPlan.forTraining(MNIST, 64, 1, DATA, device(80L << 30, true));
        long params = 784L * 256 + 256 * 10 + 256 + 10;
        assertEquals(4 * params + 4 * ((params + 1) / 2), bytes(bf16, "parameters"), "a bfloat16 copy alongside");

        MemoryPlan tooSmall = MemoryPlan.forTraining(MNIST, 64, 1, DATA, device(10L << 20, false));
        InsufficientMemoryException e = assertThrows(InsufficientMemoryException.class, tooSmall::check);
        assertEquals(MemoryPlan.Place.DEVICE, e.place);
        assertTrue(
                e.getMessage().contains("of device memory but 10.0 MiB are available (test device)"), e.getMessage());
    }

    @Test
    void bytesForPeople() {
        assertEquals("795 B", MemoryPlan.bytes(795));
        assertEquals("1.00 KiB", MemoryPlan.bytes(1024));
        assertEquals("3.25 GiB", MemoryPlan.bytes(3_489_660_928L));
        assertEquals("8.00 EiB", MemoryPlan.bytes(Long.MAX_VALUE));
    }
}
