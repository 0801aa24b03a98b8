package io.herald;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/** Reading HTTP bodies on the hot path (publish requests in, webhook responses back). */
public final class Bodies {
    /** First buffer when the length is not declared: most bodies here are small. */
    static final int FIRST_BUFFER = 1024;

    private Bodies() {}

    /**
     * Reads {@code in} to its end, or to {@code cap} bytes if it is longer, into an array sized by
     * {@code declared} (a Content-Length, or -1 when none was sent) and grown only when more comes.
     * {@link InputStream#readNBytes(int)} allocates 16 KiB chunks whatever the length, and copies
     * them: for a 1 KiB publish body and an empty webhook answer that was most of the bytes the hot
     * path allocated. A declared length is a hint, not trusted: a body longer than it (a decoded
     * gzip answer) is still read up to the cap, and a shorter one ends where it ends.
     */
    public static byte[] readUpTo(InputStream in, int cap, long declared) throws IOException {
        byte[] buf = new byte[(int) Math.min(cap, declared >= 0 ? declared : FIRST_BUFFER)];
        int n = 0;
        while (n < cap) {
            if (n == buf.length) {
                // Full: look for one more byte before growing, as the declared length is normally exact.
                int b = in.read();
                if (b < 0) {
                    break;
                }
                buf = Arrays.copyOf(buf, (int) Math.min(cap, Math.max(FIRST_BUFFER, buf.length * 2L)));
                buf[n++] = (byte) b;
                continue;
            }
            int r = in.read(buf, n, buf.length - n);
            if (r < 0) {
                break;
            }
            n += r;
        }
        return n == buf.length ? buf : Arrays.copyOf(buf, n);
    }
}
