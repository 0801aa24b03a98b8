package io.herald;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class JsonWriteStringsTest {
    @Test
    void writeStrings_isByteForByteWhatJacksonWrites_forEveryCharacterClass() {
        Random random = new Random(20_261_203);
        // Controls, quote, backslash, slash, DEL, Latin-1, BMP, a lone and a paired surrogate.
        char[] pool = "\u0000\u0001\b\t\n\u000b\f\r\u001f \"\\/azAZ09\u007f\u00e9\u2028\u4e2d\ud83d\ude00\ud800".toCharArray();
        for (int round = 0; round < 2_000; round++) {
            Map<String, String> map = new LinkedHashMap<>();
            int entries = random.nextInt(5);
            for (int i = 0; i < entries; i++) {
                map.put(text(random, pool) + i, random.nextInt(10) == 0 ? null : text(random, pool));
            }
            assertThat(Json.writeStrings(map)).isEqualTo(Json.write(map));
        }
        assertThat(Json.writeStrings(Map.of())).isEqualTo("{}");
    }

    private static String text(Random random, char[] pool) {
        StringBuilder s = new StringBuilder();
        for (int i = random.nextInt(12); i > 0; i--) {
            s.append(pool[random.nextInt(pool.length)]);
        }
        return s.toString();
    }
}
