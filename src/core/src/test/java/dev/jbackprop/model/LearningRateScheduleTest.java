package dev.jbackprop.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The schedules' factors η_t/η at chosen steps, worked out by hand from PyTorch's schedulers' formulas. */
class LearningRateScheduleTest {
    static final double EPS = 1e-15;

    @Test
    void parsesAndWritesBack() {
        for (String s : new String[] {"constant", "cosine", "onecycle", "step:100:0.5", "step:3e:0.1"})
            assertEquals(s, LearningRateSchedule.parse(s, 0).toString());
        assertEquals(LearningRateSchedule.CONSTANT, LearningRateSchedule.parse("Constant", 0));
        assertTrue(LearningRateSchedule.parse("constant", 0).isConstant());
        assertTrue(!LearningRateSchedule.parse("constant", 5).isConstant());
        for (String bad : new String[] {
            "", "linear", "step", "step:0:0.5", "step:10:0", "step:10:1.5", "step:10:x", "step:-1:0.5", "step:1e:"
        }) {
            InvalidConfigException e =
                    assertThrows(InvalidConfigException.class, () -> LearningRateSchedule.parse(bad, 0), bad);
            assertEquals(Setting.LR_SCHEDULE, e.setting(), bad);
        }
        InvalidConfigException w =
                assertThrows(InvalidConfigException.class, () -> LearningRateSchedule.parse("cosine", -1));
        assertEquals(Setting.WARMUP, w.setting());
    }

    @Test
    void constantAndWarmup() {
        LearningRateSchedule c = LearningRateSchedule.CONSTANT;
        for (long t : new long[] {1, 2, 500, 10_000}) assertEquals(1.0, c.factor(t, 10_000, 100));
        LearningRateSchedule w = LearningRateSchedule.parse("constant", 4);
        assertEquals(0.25, w.factor(1, 100, 10));
        assertEquals(0.75, w.factor(3, 100, 10));
        assertEquals(1.0, w.factor(4, 100, 10));
        assertEquals(1.0, w.factor(5, 100, 10));
        assertThrows(IllegalArgumentException.class, () -> w.factor(0, 100, 10));
    }

    /** StepLR: γ^⌊s/EVERY⌋, s = t − 1; in epochs EVERY·(steps per epoch); after a warm-up s counts from its end. */
    @Test
    void stepDecay() {
        LearningRateSchedule s = LearningRateSchedule.parse("step:10:0.5", 0);
        assertEquals(1.0, s.factor(1, 100, 7));
        assertEquals(1.0, s.factor(10, 100, 7));
        assertEquals(0.5, s.factor(11, 100, 7));
        assertEquals(0.25, s.factor(21, 100, 7));
        LearningRateSchedule e = LearningRateSchedule.parse("step:2e:0.1", 0); // 7 steps an epoch: every 14 steps
        assertEquals(1.0, e.factor(14, 100, 7));
        assertEquals(0.1, e.factor(15, 100, 7), EPS);
        assertEquals(0.01, e.factor(29, 100, 7), EPS);
        LearningRateSchedule w = LearningRateSchedule.parse("step:10:0.5", 5);
        assertEquals(1.0, w.factor(15, 100, 7));
        assertEquals(0.5, w.factor(16, 100, 7));
    }

    /** CosineAnnealingLR(T_max = T): (1 + cos(π s/T))/2, 1 at the first step, ½ half-way, above 0 at the last. */
    @Test
    void cosine() {
        LearningRateSchedule c = LearningRateSchedule.parse("cosine", 0);
        assertEquals(1.0, c.factor(1, 100, 10));
        assertEquals(0.5, c.factor(51, 100, 10), EPS);
        assertEquals((1 + Math.cos(Math.PI * 99 / 100)) / 2, c.factor(100, 100, 10), EPS);
        assertTrue(c.factor(100, 100, 10) > 0);
        LearningRateSchedule w = LearningRateSchedule.parse("cosine", 10); // warm-up 10, then cosine over 90
        assertEquals(0.1, w.factor(1, 100, 10), EPS);
        assertEquals(1.0, w.factor(11, 100, 10));
        assertEquals(0.5, w.factor(56, 100, 10), EPS);
    }

    /**
     * OneCycleLR(max_lr = 1, total_steps = 100): 1/25 at step_num 0, 1 at step_num 29 (pct_start·T − 1), then
     * down to 1/25/10⁴ at step_num 99; both phases (1 + cos(π pct))/2 between their ends.
     */
    @Test
    void oneCycle() {
        LearningRateSchedule o = LearningRateSchedule.parse("onecycle", 0);
        double initial = 1 / 25.0, min = initial / 1e4;
        assertEquals(initial, o.factor(1, 100, 10), EPS);
        assertEquals(1.0, o.factor(30, 100, 10), EPS);
        assertEquals(min, o.factor(100, 100, 10), EPS);
        double pct = 14.0 / 29.0; // step_num 14 of the first phase
        assertEquals(1 + (initial - 1) / 2 * (Math.cos(Math.PI * pct) + 1), o.factor(15, 100, 10), EPS);
        double pct2 = (64.0 - 29.0) / (99.0 - 29.0);
        assertEquals(min + (1 - min) / 2 * (Math.cos(Math.PI * pct2) + 1), o.factor(65, 100, 10), EPS);
        for (long t = 1; t <= 100; t++) assertTrue(o.factor(t, 100, 10) > 0, "t=" + t);
    }
}
