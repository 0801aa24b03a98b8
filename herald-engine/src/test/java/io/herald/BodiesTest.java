package io.herald;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class BodiesTest {
    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) ('a' + i % 26);
        }
        return b;
    }

    /** A stream that hands out at most 7 bytes per read, as a socket may. */
    private static InputStream trickle(byte[] content) {
        return new ByteArrayInputStream(content) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 7));
            }
        };
    }

    @Test
    void readUpTo_readsWholeBodies_whateverTheDeclaredLengthSays() throws IOException {
        for (int size : new int[] {0, 1, 1023, 1024, 1025, 5000}) {
            byte[] content = bytes(size);
            for (long declared : new long[] {-1, 0, size, size / 2, size + 10}) {
                assertThat(Bodies.readUpTo(trickle(content), 1 << 20, declared))
                        .as("%d bytes, declared %d", size, declared).isEqualTo(content);
            }
        }
    }

    @Test
    void readUpTo_stopsAtTheCap() throws IOException {
        byte[] content = bytes(10_000);
        assertThat(Bodies.readUpTo(trickle(content), 4_097, -1)).isEqualTo(Arrays.copyOf(content, 4_097));
        assertThat(Bodies.readUpTo(trickle(content), 4_097, 10_000)).isEqualTo(Arrays.copyOf(content, 4_097));
        assertThat(Bodies.readUpTo(trickle(content), 4_097, 100)).isEqualTo(Arrays.copyOf(content, 4_097));
    }

    @Test
    void readUpTo_aBodyOfTheDeclaredLength_isReadIntoAnArrayOfThatLength() throws IOException {
        byte[] content = bytes(1_000);
        InputStream in = new ByteArrayInputStream(content);
        byte[] read = Bodies.readUpTo(in, 1 << 20, 1_000);
        assertThat(read).isEqualTo(content);
        assertThat(in.read()).as("nothing left").isEqualTo(-1);
    }
}
