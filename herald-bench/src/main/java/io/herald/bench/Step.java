package io.herald.bench;

import java.util.List;
import java.util.Optional;

/**
 * One step of the throughput scenario: publishes offered at a fixed rate for a while, and what came
 * of them. Sustained means Herald kept up: at least {@value #KEPT_UP} of the offered rate was
 * delivered during the step, and the backlog (accepted but not yet delivered) grew by no more than
 * {@value #BACKLOG_SECONDS} s worth of the rate.
 *
 * @param published     publishes answered 2xx during the step
 * @param failed        publishes answered otherwise, or not at all
 * @param skipped       publishes not sent because too many were unanswered
 * @param delivered     deliveries the receiver answered 200 during the step
 * @param backlogStart  published − delivered since the scenario began, at the start of the step
 * @param backlogEnd    the same at its end
 * @param cost          what the step cost Herald and the harness per message; null when not measured
 */
record Step(int offeredRate, double seconds, long published, long failed, long skipped, long delivered,
            long backlogStart, long backlogEnd, Cost cost) {
    static final double KEPT_UP = 0.95;
    static final double BACKLOG_SECONDS = 1.0;

    double deliveredRate() {
        return delivered / seconds;
    }

    double publishedRate() {
        return published / seconds;
    }

    long backlogGrowth() {
        return backlogEnd - Math.max(0, backlogStart);
    }

    boolean sustained() {
        return deliveredRate() >= KEPT_UP * offeredRate && backlogGrowth() <= BACKLOG_SECONDS * offeredRate;
    }

    java.util.Map<String, Object> toMap() {
        java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("offeredRate", offeredRate);
        m.put("seconds", Report.round(seconds, 2));
        m.put("published", published);
        m.put("failed", failed);
        m.put("skipped", skipped);
        m.put("delivered", delivered);
        m.put("deliveredRate", Report.round(deliveredRate(), 1));
        m.put("backlogStart", backlogStart);
        m.put("backlogEnd", backlogEnd);
        m.put("sustained", sustained());
        if (cost != null) {
            m.put("cost", cost.toMap());
        }
        return m;
    }

    /** The offered rate of the highest sustained step. Steps run in ascending order and stop after the first failure. */
    static Optional<Integer> highestSustained(List<Step> steps) {
        return highestSustainedStep(steps).map(Step::offeredRate);
    }

    /** The highest sustained step itself. */
    static Optional<Step> highestSustainedStep(List<Step> steps) {
        return steps.stream().filter(Step::sustained).reduce((a, b) -> b.offeredRate() > a.offeredRate() ? b : a);
    }

    /** The highest delivered rate of any step, sustained or not. */
    static double peakDelivered(List<Step> steps) {
        return steps.stream().mapToDouble(Step::deliveredRate).max().orElse(0);
    }

    /** "250+ 500+ 1000-": each offered rate, + when sustained. */
    static String line(List<Step> steps) {
        StringBuilder sb = new StringBuilder();
        for (Step st : steps) {
            sb.append(sb.isEmpty() ? "" : " ").append(st.offeredRate()).append(st.sustained() ? '+' : '-');
        }
        return sb.toString();
    }
}
