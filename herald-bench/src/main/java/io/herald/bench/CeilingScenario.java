package io.herald.bench;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.client.Result;

/**
 * The ceiling: the harness's own client POSTing the 1 KiB payload straight to the receiver, with no
 * Herald and no database, closed loop with a fixed number of requests in flight. What Herald
 * delivers is compared with this.
 */
final class CeilingScenario {
    private CeilingScenario() {}

    static void run(RunContext ctx, Outcome out) {
        Sizes s = ctx.sizes;
        URI uri = URI.create(ctx.receiver.url("/ceiling"));
        byte[] body = HeraldApi.PAYLOAD.getBytes(StandardCharsets.UTF_8);
        double warmup = Math.min(2, s.ceilingSeconds() / 3);
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long end = System.nanoTime() + (long) ((warmup + s.ceilingSeconds()) * 1e9);
        CountDownLatch done = new CountDownLatch(s.ceilingInFlight());
        Runnable fire = new Runnable() {
            @Override
            public void run() {
                // Headers like Herald's, so the receiver does the same work per request.
                ctx.client.post(uri, body, null).headers(h -> h.put("webhook-id", "msg_ceiling")
                        .put("webhook-timestamp", "1700000000").put("webhook-signature", "v1,ceiling"))
                        .send((Result r) -> {
                            if (r.isSucceeded() && r.getResponse().getStatus() == 200) {
                                ok.incrementAndGet();
                            } else {
                                failed.incrementAndGet();
                            }
                            if (System.nanoTime() < end) {
                                this.run();
                            } else {
                                done.countDown();
                            }
                        });
            }
        };
        for (int i = 0; i < s.ceilingInFlight(); i++) {
            fire.run();
        }
        Pause.seconds(warmup);
        long c0 = ok.get();
        long t0 = System.nanoTime();
        Pause.seconds(s.ceilingSeconds());
        long c1 = ok.get();
        long t1 = System.nanoTime();
        try {
            done.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        double rate = (c1 - c0) / ((t1 - t0) / 1e9);
        ctx.ceiling = rate;
        out.put("requestsPerSecond", rate).put("inFlight", s.ceilingInFlight()).put("seconds", s.ceilingSeconds())
                .put("bodyBytes", body.length).put("failed", failed.get());
        out.row("ceiling", "requests/s, no Herald (" + s.ceilingInFlight() + " in flight, 1 KiB)", Report.count(rate), "");
    }
}
