package io.herald.bench;

/**
 * Issue 12's criterion for healthy traffic beside failing endpoints, judged against a baseline of
 * the same healthy traffic alone, measured in the same run on a fresh Herald: delivered/s may drop
 * by at most {@code maxDrop}, p99 publish-to-receipt may be at most {@code p99Factor} times the
 * baseline's plus {@code p99SlackMs}, and every healthy message published must arrive.
 *
 * <p>The slack is there because a baseline p99 of a few milliseconds on a shared machine moves by
 * more than half of itself from run to run; it does not hide a stall of seconds.
 */
record IsolationCheck(double maxDrop, double p99Factor, double p99SlackMs, double maxBaselineP99Ms) {
    static final IsolationCheck ISSUE_12 = new IsolationCheck(0.10, 1.5, 50, 1_000);

    /**
     * What was judged and why it failed (empty when it passed). Not {@code conclusive} when the
     * baseline itself fell behind the offered rate, or its p99 was over {@code maxBaselineP99Ms}:
     * Herald (or the machine) was overloaded or stalled before any endpoint failed, and a
     * comparison with it says nothing about isolation.
     */
    record Verdict(boolean pass, boolean conclusive, double drop, double p99LimitMs, String reason) {
        String word() {
            return pass ? "pass" : (conclusive ? "FAIL: " : "inconclusive: ") + reason;
        }
    }

    /** The p99 allowed beside failing endpoints when the baseline's was {@code baselineP99Ms}. */
    double p99LimitMs(double baselineP99Ms) {
        return baselineP99Ms * p99Factor + p99SlackMs;
    }

    /** The target as the table shows it. */
    String target() {
        return "drop ≤ " + Report.percent(maxDrop) + ", p99 ≤ " + Report.fixed(p99Factor, 1) + "× base + "
                + Report.count(p99SlackMs) + " ms, none lost";
    }

    /**
     * @param offered healthy publishes/s offered, in the baseline and beside the failing endpoints
     * @param missing healthy messages accepted but never received
     * @param failed  healthy publishes that were not accepted (Herald refused or did not answer)
     */
    Verdict judge(double offered, double baselineRate, double rate, double baselineP99Ms, double p99Ms, long missing,
                  long failed) {
        double drop = baselineRate > 0 ? 1 - rate / baselineRate : Double.NaN;
        double limit = p99LimitMs(baselineP99Ms);
        if (!(baselineRate >= offered * (1 - maxDrop)) || Double.isNaN(baselineP99Ms)) {
            return new Verdict(false, false, drop, limit, "the baseline delivered " + Report.count(baselineRate)
                    + "/s of " + Report.count(offered) + "/s offered (overloaded before any endpoint failed)");
        }
        if (baselineP99Ms > maxBaselineP99Ms) {
            return new Verdict(false, false, drop, limit, "the baseline's p99 was " + Report.ms(baselineP99Ms)
                    + " ms (> " + Report.count(maxBaselineP99Ms) + " ms: stalled before any endpoint failed)");
        }
        StringBuilder why = new StringBuilder();
        if (drop > maxDrop) {
            why.append("throughput dropped ").append(Report.percent(drop)).append("; ");
        }
        if (Double.isNaN(p99Ms) || p99Ms > limit) {
            why.append("p99 ").append(Report.ms(p99Ms)).append(" ms > ").append(Report.ms(limit)).append(" ms; ");
        }
        if (missing > 0) {
            why.append(missing).append(" not received; ");
        }
        if (failed > 0) {
            why.append(failed).append(" publishes failed; ");
        }
        String reason = why.length() == 0 ? "" : why.substring(0, why.length() - 2);
        return new Verdict(reason.isEmpty(), true, drop, limit, reason);
    }
}
