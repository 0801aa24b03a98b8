package io.herald.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TextTest {
    @Test
    void query_decodesLikeAFormButStrictly() {
        assertThat(Text.query("a=1&b=x+y&a=%E2%82%AC&flag&c=%2B1&=v"))
                .isEqualTo(Map.of("a", List.of("1", "\u20ac"), "b", List.of("x y"), "flag", List.of(""), "c", List.of("+1"), "", List.of("v")));
        assertThat(Text.query(null)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "x=%ZZ        | x",
            "x=%2         | x",
            "x=%          | x",
            "x=a%00b      | x",
            "x=%C3%28     | x",
            "x=%ED%A0%80  | x",
            "%ZZ=1        | query"})
    void query_badEscapeNulOrInvalidUtf8_is400NamingTheParameter(String raw, String field) {
        assertThatThrownBy(() -> Text.query(raw)).isInstanceOfSatisfying(ApiError.class, e -> {
            assertThat(e.status).isEqualTo(400);
            assertThat(e.field).isEqualTo(field);
        });
    }

    @Test
    void utf8_invalidBytes_areRefusedNotReplaced() {
        assertThat(Text.utf8("body", "caf\u00e9".getBytes(StandardCharsets.UTF_8))).isEqualTo("caf\u00e9");
        assertThatThrownBy(() -> Text.utf8("body", new byte[] {'a', (byte) 0xff}))
                .isInstanceOfSatisfying(ApiError.class, e -> assertThat(e.field).isEqualTo("body"));
    }

    @Test
    void decode_pathKeepsPlus_andRawNonAsciiPassesThrough() {
        assertThat(Text.decode("p", "a+b%20c", false)).isEqualTo("a+b c");
        assertThat(Text.decode("p", "\uD83D\uDD25%F0%9F%94%A5", false)).isEqualTo("\uD83D\uDD25\uD83D\uDD25");
    }
}
