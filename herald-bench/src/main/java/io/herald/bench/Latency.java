package io.herald.bench;

import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * A latency distribution in milliseconds, from a histogram of microseconds.
 *
 * @param count   values recorded
 * @param missing values that should have been recorded but never arrived (not in the percentiles)
 */
record Latency(long count, long missing, double p50Ms, double p90Ms, double p99Ms, double p999Ms, double maxMs) {
    static Latency of(Histogram micros, long missing) {
        if (micros.getTotalCount() == 0) {
            return new Latency(0, missing, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        return new Latency(micros.getTotalCount(), missing, ms(micros.getValueAtPercentile(50)),
                ms(micros.getValueAtPercentile(90)), ms(micros.getValueAtPercentile(99)),
                ms(micros.getValueAtPercentile(99.9)), ms(micros.getMaxValue()));
    }

    /**
     * Publish-to-receipt latency of tracked messages: each message's first receipt minus the time
     * its publish was due. Messages never received are counted as missing.
     */
    static Latency ofReceipts(Map<String, Long> dueById, Receiver receiver) {
        Histogram h = new Histogram(3);
        long missing = 0;
        for (Map.Entry<String, Long> e : dueById.entrySet()) {
            Receiver.Tally t = receiver.tally(e.getKey());
            if (t == null) {
                missing++;
            } else {
                h.recordValue(Math.max(0, (t.first - e.getValue()) / 1_000));
            }
        }
        return of(h, missing);
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("count", count);
        m.put("missing", missing);
        m.put("p50Ms", Report.clean(p50Ms));
        m.put("p90Ms", Report.clean(p90Ms));
        m.put("p99Ms", Report.clean(p99Ms));
        m.put("p999Ms", Report.clean(p999Ms));
        m.put("maxMs", Report.clean(maxMs));
        return m;
    }

    /** "p50 / p99 / max" in ms, for the table. */
    String brief() {
        return Report.ms(p50Ms) + " / " + Report.ms(p99Ms) + " / " + Report.ms(maxMs);
    }

    private static double ms(long micros) {
        return Math.round(micros / 10.0) / 100.0;
    }
}
