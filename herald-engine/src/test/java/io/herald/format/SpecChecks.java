package io.herald.format;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.HeraldException;
import io.herald.Json;

/** Assertions on parsing format specs, shared by the tests of each format. */
final class SpecChecks {
    private SpecChecks() {}

    /** Parsing {@code spec} fails on {@code field} with a reason containing {@code reason}. */
    static void assertInvalid(String spec, String field, String reason) {
        assertThatThrownBy(() -> Format.parse("format", Json.read(spec)))
                .isInstanceOfSatisfying(HeraldException.InvalidInput.class, e -> {
                    assertThat(e.field()).isEqualTo(field);
                    assertThat(e.reason()).contains(reason);
                });
    }

    /**
     * {@code input} parses to a format whose spec is {@code normalized}, and that spec, parsed
     * again or read as stored, gives an equal format.
     */
    static void assertNormalized(String input, String normalized) {
        Format format = Format.parse("format", Json.read(input));

        assertThat(Json.write(format.spec())).isEqualTo(normalized);
        assertThat(Format.parse("format", format.spec())).isEqualTo(format);
        assertThat(Format.stored(Json.write(format.spec()))).isEqualTo(format);
    }
}
