package io.herald.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Fan-out: one app with N endpoints (all at the receiver, told apart by a query parameter), one
 * message published, and the time from sending the publish to the receiver's last receipt of that
 * message id. Repeated a few times per size; the median is reported.
 */
final class FanoutScenario {
    static final int TARGET_SIZE = 10_000;
    static final double TARGET_SECONDS = 5;
    /** Give up on a run when no receipt came for this long. */
    static final double STALL_SECONDS = 20;

    private FanoutScenario() {}

    static void run(RunContext ctx, RunContext.Jar jar, Outcome out) {
        Sizes s = ctx.sizes;
        Receiver rx = ctx.receiver;
        try (RunContext.Session h = ctx.start("fanout", jar)) {
            rx.recording(true);
            for (int size : s.fanouts()) {
                String app = "fan-" + size;
                h.api.createApp(app);
                long t0 = System.nanoTime();
                ctx.client.parallel(size, i -> h.api.createEndpoint(app, rx.url("/f/" + size + "?e=" + i), null));
                double setup = (System.nanoTime() - t0) / 1e9;
                List<Map<String, Object>> runs = new ArrayList<>();
                List<Double> seconds = new ArrayList<>();
                for (int r = 0; r < s.fanoutRuns(); r++) {
                    long sent = System.nanoTime();
                    String id = h.api.publish(app);
                    long answered = System.nanoTime();
                    boolean complete = await(rx, id, size);
                    Receiver.Tally t = rx.tally(id);
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("received", t == null ? 0 : t.count());
                    m.put("complete", complete);
                    m.put("publishCallMs", Report.round((answered - sent) / 1e6, 2));
                    m.put("toFirstReceiptSeconds", t == null ? null : Report.round((t.first - sent) / 1e9, 3));
                    m.put("toLastReceiptSeconds", t == null ? null : Report.round((t.last() - sent) / 1e9, 3));
                    runs.add(m);
                    if (complete) {
                        seconds.add((t.last() - sent) / 1e9);
                    }
                    System.err.printf("bench: fan-out %s %,d: %s%n", jar.label(), size,
                            complete ? Report.fixed((t.last() - sent) / 1e9, 2) + " s to the last receipt"
                                    : "incomplete, " + (t == null ? 0 : t.count()) + " received");
                }
                double median = median(seconds);
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("endpoints", size);
                f.put("setupSeconds", Report.round(setup, 2));
                f.put("endpointsCreatedPerSecond", Report.round(size / setup, 1));
                f.put("medianSeconds", Report.clean(median));
                f.put("runs", runs);
                out.put("fanout" + size, f);
                String label = "fan-out " + Report.count(size);
                String all = seconds.size() > 1
                        ? " (" + seconds.stream().map(x -> Report.fixed(x, 2)).collect(Collectors.joining(", ")) + ")" : "";
                out.row(label, "publish→last receipt s, median of " + seconds.size() + "/" + s.fanoutRuns(),
                        Report.fixed(median, 2) + all, size == TARGET_SIZE ? "≤ " + Report.fixed(TARGET_SECONDS, 0) : "");
                out.row(label, "endpoints created/s (setup)", Report.count(size / setup), "");
            }
        }
    }

    /** Waits for {@code size} receipts of message {@code id}; false when they stop coming first. */
    private static boolean await(Receiver rx, String id, int size) {
        int seen = -1;
        long lastProgress = System.nanoTime();
        while (true) {
            Receiver.Tally t = rx.tally(id);
            int n = t == null ? 0 : t.count();
            if (n >= size) {
                return true;
            }
            if (n != seen) {
                seen = n;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > STALL_SECONDS * 1e9) {
                return false;
            }
            Pause.millis(20);
        }
    }

    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
