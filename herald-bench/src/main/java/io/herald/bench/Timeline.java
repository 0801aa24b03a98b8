package io.herald.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.HdrHistogram.Histogram;

/**
 * Publish-to-receipt latency of tracked messages over time: grouped into buckets by when each
 * publish was due, counted from {@code start}. It shows whether healthy latency was high at first
 * (while endpoints beside it were filling up or their circuits were still closed) and when it came
 * back to normal. A message never received counts in its bucket as missing, and a bucket with a
 * missing message is never "normal".
 */
final class Timeline {
    /** Messages due in [{@code fromSeconds}, {@code fromSeconds} + width) after the start. */
    record Bucket(double fromSeconds, long count, long missing, double p50Ms, double p99Ms, double maxMs) {
        Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("fromSeconds", Report.round(fromSeconds, 1));
            m.put("count", count);
            m.put("missing", missing);
            m.put("p50Ms", Report.clean(p50Ms));
            m.put("p99Ms", Report.clean(p99Ms));
            m.put("maxMs", Report.clean(maxMs));
            return m;
        }
    }

    private Timeline() {}

    /**
     * Buckets of {@code widthSeconds}, from the first to the last with a message due in it (empty
     * ones between are kept, with count 0). {@code firstReceipt} gives a message's first receipt
     * ({@link System#nanoTime()}), or null when it never came.
     */
    static List<Bucket> of(Map<String, Long> dueById, Function<String, Long> firstReceipt, long start, double widthSeconds) {
        long width = (long) (widthSeconds * 1e9);
        TreeMap<Integer, Histogram> byBucket = new TreeMap<>();
        Map<Integer, Long> missing = new HashMap<>();
        for (Map.Entry<String, Long> e : dueById.entrySet()) {
            int b = (int) Math.max(0, (e.getValue() - start) / width);
            Histogram h = byBucket.computeIfAbsent(b, k -> new Histogram(3));
            Long at = firstReceipt.apply(e.getKey());
            if (at == null) {
                missing.merge(b, 1L, Long::sum);
            } else {
                h.recordValue(Math.max(0, (at - e.getValue()) / 1_000));
            }
        }
        List<Bucket> out = new ArrayList<>();
        if (byBucket.isEmpty()) {
            return out;
        }
        int last = byBucket.lastKey();
        for (int b = 0; b <= last; b++) {
            Histogram h = byBucket.get(b);
            long miss = missing.getOrDefault(b, 0L);
            if (h == null || h.getTotalCount() == 0) {
                out.add(new Bucket(b * widthSeconds, 0, miss, Double.NaN, Double.NaN, Double.NaN));
            } else {
                out.add(new Bucket(b * widthSeconds, h.getTotalCount(), miss, h.getValueAtPercentile(50) / 1e3,
                        h.getValueAtPercentile(99) / 1e3, h.getMaxValue() / 1e3));
            }
        }
        return out;
    }

    /** {@link #of} over the receiver's first receipts. */
    static List<Bucket> of(Map<String, Long> dueById, Receiver rx, long start, double widthSeconds) {
        return of(dueById, id -> {
            Receiver.Tally t = rx.tally(id);
            return t == null ? null : t.first;
        }, start, widthSeconds);
    }

    /**
     * From how many seconds after the start latency stayed normal: the start of the first bucket
     * from which every bucket with messages has a p99 of at most {@code limitMs} and none missing.
     * 0 when it was normal from the start; NaN when the last bucket with messages is not normal
     * (or there are none).
     */
    static double normalFrom(List<Bucket> buckets, double limitMs) {
        double from = Double.NaN;
        boolean any = false;
        for (Bucket b : buckets) {
            if (b.count() == 0 && b.missing() == 0) {
                continue;
            }
            any = true;
            boolean normal = b.missing() == 0 && b.p99Ms() <= limitMs;
            if (!normal) {
                from = Double.NaN;
            } else if (Double.isNaN(from)) {
                from = b.fromSeconds();
            }
        }
        return any ? from : Double.NaN;
    }
}
