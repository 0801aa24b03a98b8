package io.herald;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class HashesTest {
    @Test
    void sha256Hex_isTheStandardDigest_alsoFromManyThreadsAtOnce() {
        // FIPS 180-2's test vectors.
        assertThat(Hashes.sha256Hex("abc")).isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assertThat(Hashes.sha256Hex(null)).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        List<CompletableFuture<String>> all = IntStream.range(0, 64)
                .mapToObj(i -> CompletableFuture.supplyAsync(() -> Hashes.sha256Hex(i % 2 == 0 ? "abc" : null))).toList();
        for (int i = 0; i < all.size(); i++) {
            assertThat(all.get(i).join()).isEqualTo(Hashes.sha256Hex(i % 2 == 0 ? "abc" : null));
        }
    }
}
