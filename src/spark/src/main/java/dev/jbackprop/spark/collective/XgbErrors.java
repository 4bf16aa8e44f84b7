package dev.jbackprop.spark.collective;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import ml.dmlc.xgboost4j.java.XgbCollectiveJni;

/** Turns XGBoost's multi-line native error (reasons, then a native stack trace) into one line. */
final class XgbErrors {
    private static final Pattern REASON = Pattern.compile("^- \\[[^\\]]*\\]: (.*)$");

    private XgbErrors() {}

    /** The reasons of the last native error on this thread, innermost last, joined by "; ". */
    static String lastReasons() {
        return reasons(XgbCollectiveJni.lastError());
    }

    static String reasons(String nativeError) {
        if (nativeError == null || nativeError.isBlank()) {
            return "no reason given by XGBoost";
        }
        List<String> reasons = new ArrayList<>();
        for (String line : nativeError.split("\n")) {
            Matcher m = REASON.matcher(line.strip());
            if (m.matches()) {
                reasons.add(m.group(1).strip());
            }
        }
        if (reasons.isEmpty()) {
            String first = nativeError.strip().split("\n", 2)[0];
            return first.replaceFirst("^\\[[0-9:]+\\] ", "");
        }
        return String.join("; ", reasons);
    }
}
