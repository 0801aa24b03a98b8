package io.herald;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.core.JacksonException;

class JsonStrictTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "{\"severity\": \"9999; DROP\", \"severity\": 3}                  | severity",
            "{\"payload\": {\"severity\": 1, \"severity\": 3}}                | payload.severity",
            "{\"a\": [{\"b\": 1}, {\"c\": {\"d\": 1, \"d\": 2}}]}             | a[1].c.d"})
    void readStrict_duplicateMember_isRefusedNamingItsPath(String json, String path) {
        JacksonException e = catchThrowableOfType(JacksonException.class, () -> Json.readStrict(json));

        assertThat(e).isNotNull();
        assertThat(Json.duplicatePath(e)).isEqualTo(path);
        // The lenient reader, for stored JSON, still takes the last value.
        assertThat(Json.read(json)).isNotNull();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"{\"a\": 1, \"b\": 1}", "{\"a\": {\"x\": 1}, \"b\": {\"x\": 1}}"})
    void readStrict_sameNameInDifferentObjects_isFine(String json) {
        assertThat(Json.readStrict(json)).isEqualTo(Json.read(json));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"{\"a\": }", "{\"a\": 1"})
    void duplicatePath_otherErrors_isNull(String json) {
        JacksonException e = catchThrowableOfType(JacksonException.class, () -> Json.readStrict(json));
        assertThat(Json.duplicatePath(e)).isNull();
    }
}
