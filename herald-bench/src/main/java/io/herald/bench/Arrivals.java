package io.herald.bench;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * What became of a set of accepted messages at the receiver: how many arrived, how many never did
 * (lost, as far as the wait allowed), and how many arrived more than once. With one endpoint per
 * application every message is one delivery, so a second receipt of an id is a duplicate.
 *
 * @param expected      messages accepted (their publish answered 2xx)
 * @param received      of those, received at least once
 * @param duplicated    of those, received more than once
 * @param extraReceipts receipts beyond the first, summed over the duplicated messages
 */
record Arrivals(long expected, long received, long duplicated, long extraReceipts) {
    /** {@code receipts} tells how many times an id was received (0: never). */
    static Arrivals of(Collection<String> ids, ToIntFunction<String> receipts) {
        long received = 0;
        long duplicated = 0;
        long extra = 0;
        for (String id : ids) {
            int n = receipts.applyAsInt(id);
            if (n > 0) {
                received++;
            }
            if (n > 1) {
                duplicated++;
                extra += n - 1;
            }
        }
        return new Arrivals(ids.size(), received, duplicated, extra);
    }

    /** The same, from the receiver's tallies (it must have been recording). */
    static Arrivals at(Receiver rx, Collection<String> ids) {
        return of(ids, id -> {
            Receiver.Tally t = rx.tally(id);
            return t == null ? 0 : t.count();
        });
    }

    long lost() {
        return expected - received;
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("expected", expected);
        m.put("received", received);
        m.put("lost", lost());
        m.put("duplicated", duplicated);
        m.put("extraReceipts", extraReceipts);
        return m;
    }
}
