package dev.jbackprop.diag;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * verify's TF32 tolerance ({@link Verify.Tolerance#TF32}, derived in its comment) checked without a
 * GPU: the CPU backend with its GEMM inputs cut to TF32 ({@link Tf32}), by truncation and by rounding
 * to nearest, since how cuBLAS converts is not documented, against the plain CPU backend, on every
 * TF32 case of bench/verify-matrix.txt and on verify's default network (see {@link ToleranceEmulation}).
 */
class Tf32ToleranceTest {
    static Stream<VerifyMatrix.Case> cases() {
        return ToleranceEmulation.cases("tf32");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void truncatedInputsStayWellInsideTheTolerance(VerifyMatrix.Case c) {
        ToleranceEmulation.check(c, RoundedGemmOps.Rounding.TF32_TRUNCATE, Verify.Tolerance.TF32);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void roundedInputsStayWellInsideTheTolerance(VerifyMatrix.Case c) {
        ToleranceEmulation.check(c, RoundedGemmOps.Rounding.TF32_NEAREST, Verify.Tolerance.TF32);
    }
}
