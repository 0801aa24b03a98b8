package io.herald.bench;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Backlog: N deliveries pending retry while the receiver is down, Herald's heap and RSS with them,
 * then the receiver back and the drain rate.
 *
 * <p>How the backlog is built, and why: one app with E endpoints (E = √N, at most 1,000) and N/E
 * messages, so each publish queues E deliveries. "Down" is the receiver answering 503, which lets
 * the harness count first attempts (a refused connection would not) and send a Retry-After. Every
 * delivery gets its first attempt, fails, and is due again later; for a drain rate to mean anything
 * all of them must come due at the same moment D, not spread over the minutes the setup took. So:
 * <ol>
 *   <li>a calibration of a few messages, on endpoints with {@code retryCount: 0} (their failures are
 *       final and leave nothing pending), measures how fast Herald fails first attempts; D is set
 *       from it with a margin;</li>
 *   <li>the messages then go out in waves; before each, every endpoint's retry schedule is set to
 *       one step of H seconds, with H no longer than D minus the wave's expected end;</li>
 *   <li>each 503 carries {@code Retry-After: <D as an HTTP date>}. Herald honours it clamped to
 *       [H, 2H], which for every failure of the wave contains D − now: so every retry is due at D,
 *       to the second, with no jitter.</li>
 * </ol>
 * The heap is read after the last wave's first attempts; the receiver comes up just before D, and
 * the drain is counted from D until the backlog is empty or the drain window ends.
 */
final class BacklogScenario {
    static final double TARGET_HEAP_MIB = 256;
    static final int MAX_FANOUT = 1_000;
    static final int MAX_WAVES = 8;
    static final int WAVE_DELIVERIES = 25_000;
    /** Allowance on the estimated setup time. */
    static final double SAFETY = 1.3;
    /** Time kept free before D for the heap reading (a full GC and two jcmd calls). */
    static final double MEASURE_SECONDS = 6;
    static final double STALL_SECONDS = 30;

    private BacklogScenario() {}

    /** Endpoints per message for a backlog of {@code n}: √n, between 1 and {@link #MAX_FANOUT}. */
    static int fanout(long n) {
        return (int) Math.max(1, Math.min(MAX_FANOUT, Math.round(Math.sqrt(n))));
    }

    /**
     * {@code messages} split into waves as equal as can be: one per {@value #WAVE_DELIVERIES}
     * deliveries, at least 2 (when there are 2 messages) and at most {@link #MAX_WAVES}. More waves leave less idle time before the drain
     * (about one wave's duration) but cost a retry-schedule update of every endpoint each.
     */
    static List<Integer> waves(long messages, int fanout) {
        long k = Math.min(Math.min(MAX_WAVES, messages),
                Math.max(2, Math.round((double) messages * fanout / WAVE_DELIVERIES)));
        List<Integer> w = new ArrayList<>();
        for (int i = 0; i < k; i++) {
            w.add((int) (messages / k + (i < messages % k ? 1 : 0)));
        }
        return w;
    }

    /**
     * Messages of the calibration: about 2 % of the backlog's deliveries, but at least 4,000 (a
     * small sample measures mostly a cold Herald) and at most 20,000.
     */
    static int calibrationMessages(long deliveries, int fanout) {
        long target = Math.max(4_000, Math.min(20_000, deliveries / 50));
        return (int) Math.max(1, (target + fanout - 1) / fanout);
    }

    /**
     * The retry step for a wave expected to last {@code waveSeconds} from {@code now}, so that every
     * failure during it is due at {@code due}: H ≤ due − end of wave, and 2H ≥ due − now. Null when
     * no whole H satisfies both (too little time left).
     */
    static Long retryStep(double now, double waveSeconds, double due) {
        long h = (long) Math.floor(due - now - waveSeconds);
        if (h < 1 || 2 * h < due - now) {
            return null;
        }
        return h;
    }

    static void run(RunContext ctx, RunContext.Jar jar, Outcome out) {
        Receiver rx = ctx.receiver;
        long n = ctx.sizes.backlog();
        int fanout = fanout(n);
        long messages = (n + fanout - 1) / fanout;
        long total = messages * fanout;
        try (RunContext.Session h = ctx.start("backlog", jar)) {
            String app = "backlog";
            h.api.createApp(app);
            rx.down(null);
            List<String> eps = ctx.client.parallel(fanout, i ->
                    h.api.createEndpoint(app, rx.url("/b?e=" + i), "\"retry\":{\"retryCount\":0}"));
            HeraldProcess.Heap heapBefore = h.herald.heapAfterGc();
            double rssBefore = h.herald.rssMiB();

            // Calibration: failures here are final (retryCount 0). The rate is taken over its second
            // half only: a fresh Herald is slow at first, and a low rate puts D needlessly far out.
            int calibration = calibrationMessages(total, fanout);
            long sent0 = rx.refused();
            long calibrated = (long) calibration * fanout;
            Thread publisher = Thread.ofPlatform().name("bench-calibration").start(() -> publish(ctx, h.api, app, calibration));
            boolean half = awaitRefused(rx, sent0 + calibrated / 2);
            long tHalf = System.nanoTime();
            long atHalf = rx.refused();
            if (!half || !awaitRefused(rx, sent0 + calibrated)) {
                throw new IllegalStateException("calibration stalled: " + (rx.refused() - sent0) + " of "
                        + calibrated + " first attempts seen");
            }
            double rate = (rx.refused() - atHalf) / Math.max(1e-3, (System.nanoTime() - tHalf) / 1e9);
            join(publisher);
            double calibrationRate = rate;
            long setupStart = System.nanoTime();

            List<Integer> waves = waves(messages, fanout);
            double estimate = total / rate * SAFETY;
            Instant due = Instant.now().plusMillis((long) ((estimate + estimate / waves.size() + MEASURE_SECONDS) * 1000))
                    .truncatedTo(ChronoUnit.SECONDS).plusSeconds(1);
            rx.down(due);
            List<Map<String, Object>> waveFigures = new ArrayList<>();
            boolean aligned = true;
            for (int size : waves) {
                double waveSeconds = (double) size * fanout / rate * SAFETY;
                double now = Instant.now().toEpochMilli() / 1000.0;
                Long step = retryStep(now, waveSeconds, due.toEpochMilli() / 1000.0);
                if (step == null) {
                    // Too little time left for this wave to be due at D: it will be due later.
                    aligned = false;
                    step = Math.max(1, (long) Math.floor(due.toEpochMilli() / 1000.0 - now));
                }
                String schedule = "{\"retry\":{\"schedule\":[" + step + "]}}";
                ctx.client.parallel(fanout, i -> {
                    h.api.patchEndpoint(app, eps.get(i), schedule);
                    return null;
                });
                long w0 = System.nanoTime();
                long before = rx.refused();
                publish(ctx, h.api, app, size);
                boolean done = awaitRefused(rx, before + (long) size * fanout);
                double secs = (System.nanoTime() - w0) / 1e9;
                rate = (double) (rx.refused() - before) / secs;
                Map<String, Object> wf = new LinkedHashMap<>();
                wf.put("messages", size);
                wf.put("retryStepSeconds", step);
                wf.put("seconds", Report.round(secs, 1));
                wf.put("firstAttemptsPerSecond", Report.round(rate, 0));
                wf.put("complete", done);
                waveFigures.add(wf);
                System.err.printf("bench: backlog %s: wave of %,d deliveries in %.0f s (%,.0f first attempts/s), %,d pending%n",
                        jar.label(), (long) size * fanout, secs, rate, rx.refused() - sent0 - (long) calibration * fanout);
                if (!done) {
                    aligned = false;
                }
            }
            double setupSeconds = (System.nanoTime() - setupStart) / 1e9;
            long failedFirst = rx.refused() - sent0 - (long) calibration * fanout;
            HeraldProcess.Heap heap = h.herald.heapAfterGc();
            double rss = h.herald.rssMiB();
            // 503s beyond one per delivery are retries that came before D: the alignment failed.
            long early = rx.refused() - sent0 - (long) calibration * fanout - total;
            boolean overran = Instant.now().isAfter(due.minusSeconds(1));
            System.err.printf("bench: backlog %s: %,d pending, heap %.0f MiB after GC, RSS %.0f MiB; drain at %s%n",
                    jar.label(), failedFirst, heap.usedMiB(), rss, due);

            long wait = Math.max(0, Instant.now().until(due, ChronoUnit.MILLIS) - 1_000);
            Pause.millis(wait);
            rx.up();
            Pause.millis(Math.max(0, Instant.now().until(due, ChronoUnit.MILLIS)));
            long d0 = rx.ok();
            long start = System.nanoTime();
            double window = ctx.sizes.drainWindowSeconds();
            boolean emptied = Pause.until(() -> rx.ok() - d0 >= total, window, 50);
            double drainSeconds = (System.nanoTime() - start) / 1e9;
            long drained = rx.ok() - d0;
            double drainRate = drained / drainSeconds;

            out.put("pending", total).put("fanout", fanout).put("messages", messages)
                    .put("downMode", "503 with Retry-After (HTTP date of the drain start)")
                    .put("calibrationFirstAttemptsPerSecond", calibrationRate)
                    .put("setupSeconds", setupSeconds).put("waves", waveFigures)
                    .put("firstAttemptsSeen", failedFirst).put("earlyRetries", early).put("aligned", aligned && !overran && early == 0)
                    .put("heapBefore", heapMap(heapBefore, rssBefore)).put("heapWithBacklog", heapMap(heap, rss))
                    .put("drainDelivered", drained).put("drainSeconds", drainSeconds).put("drainRate", drainRate)
                    .put("drainUntil", emptied ? "empty" : "window of " + Report.fixed(window, 0) + " s");
            String label = "backlog " + Report.count(total);
            out.row(label, "heap used after full GC MiB (before: " + Report.fixed(heapBefore.usedMiB(), 0) + ")",
                    Report.fixed(heap.usedMiB(), 0), "≤ " + Report.fixed(TARGET_HEAP_MIB, 0));
            out.row(label, "RSS MiB (before: " + Report.fixed(rssBefore, 0) + ")", Report.fixed(rss, 0), "");
            out.row(label, "drain deliveries/s (" + (emptied ? "until empty" : "over " + Report.fixed(window, 0) + " s") + ")",
                    Report.count(drainRate), "");
            out.row(label, "setup s (first attempts/s)", Report.fixed(setupSeconds, 0) + " (" + Report.count(total / setupSeconds) + ")", "");
            if (!aligned || overran || early != 0) {
                out.row(label, "warning", "retries not all due at the drain start (early " + early + ", overran "
                        + overran + "); the drain rate is a lower bound", "");
            }
        }
    }

    private static Map<String, Object> heapMap(HeraldProcess.Heap heap, double rss) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("heapUsedMiB", Report.clean(heap.usedMiB()));
        m.put("heapCommittedMiB", Report.clean(heap.committedMiB()));
        m.put("rssMiB", Report.clean(rss));
        m.put("heapInfo", heap.text());
        return m;
    }

    /** Publishes {@code count} messages, four at a time. */
    private static void publish(RunContext ctx, HeraldApi api, String app, int count) {
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        ctx.client.parallel(Math.min(4, count), k -> {
            while (next.getAndIncrement() < count) {
                api.publish(app);
            }
            return null;
        });
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /** Waits until the receiver has refused {@code target} requests in all; false when they stop coming. */
    private static boolean awaitRefused(Receiver rx, long target) {
        long seen = -1;
        long lastProgress = System.nanoTime();
        while (rx.refused() < target) {
            long now = rx.refused();
            if (now != seen) {
                seen = now;
                lastProgress = System.nanoTime();
            } else if (System.nanoTime() - lastProgress > STALL_SECONDS * 1e9) {
                return false;
            }
            Pause.millis(50);
        }
        return true;
    }
}
