package io.herald.store;

import java.time.Clock;
import java.util.random.RandomGenerator;

/**
 * Prefixed, time-ordered ids such as {@code msg_0Qx…}: 48 bits of milliseconds followed by 80
 * random bits, in fixed-width base62 whose alphabet is in ASCII order, so ids sort by creation time
 * (to the millisecond; ids made in the same millisecond sort randomly).
 */
public final class Ids {
    private static final char[] ALPHABET =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();
    /** 62^22 > 2^128, so 22 digits hold any 128-bit value. */
    private static final int WIDTH = 22;

    private final Clock clock;
    private final RandomGenerator random;

    public Ids(Clock clock, RandomGenerator random) {
        this.clock = clock;
        this.random = random;
    }

    public String next(String prefix) {
        long millis = clock.millis();
        // One draw of all 80 bits: a SecureRandom takes its lock (and may read /dev/urandom) per call.
        byte[] r = new byte[10];
        random.nextBytes(r);
        long hi = (millis << 16) | ((r[0] & 0xFFL) << 8) | (r[1] & 0xFFL);
        long lo = 0;
        for (int i = 2; i < 10; i++) {
            lo = (lo << 8) | (r[i] & 0xFFL);
        }
        return prefix + "_" + encode(hi, lo);
    }

    /**
     * The greatest id {@link #next} can make in millisecond {@code millis}: every id made in a later
     * millisecond sorts after it, so {@code id > lastAt(prefix, t - 1)} selects ids made at t or later.
     */
    public static String lastAt(String prefix, long millis) {
        if (millis < 0) {
            return prefix + "_"; // before 1970: sorts before every id
        }
        if (millis >= 1L << 48) {
            return prefix + "_" + "z".repeat(WIDTH); // past the year 10889: after every id
        }
        return prefix + "_" + encode((millis << 16) | 0xFFFFL, -1L);
    }

    static String encode(long hi, long lo) {
        char[] out = new char[WIDTH];
        // Unsigned 128-bit division by 62, digit by digit, most significant digit last.
        for (int i = WIDTH - 1; i >= 0; i--) {
            long qHi = Long.divideUnsigned(hi, 62);
            long rHi = Long.remainderUnsigned(hi, 62);
            // (rHi * 2^64 + lo) / 62, computed in two 32-bit halves to stay within 64 bits.
            long upper = (rHi << 32) | (lo >>> 32);
            long qUpper = Long.divideUnsigned(upper, 62);
            long rUpper = Long.remainderUnsigned(upper, 62);
            long lower = (rUpper << 32) | (lo & 0xFFFFFFFFL);
            long qLower = Long.divideUnsigned(lower, 62);
            long rem = Long.remainderUnsigned(lower, 62);
            hi = qHi;
            lo = (qUpper << 32) | qLower;
            out[i] = ALPHABET[(int) rem];
        }
        return new String(out);
    }
}
