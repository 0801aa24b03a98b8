package io.herald.format;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.Json;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SeverityTest {

    @ParameterizedTest(name = "{0} -> CEF {1}, syslog {2}")
    @CsvSource(delimiter = '|', textBlock = """
            "info"          | 0  | 6
            "Informational" | 0  | 6
            "none"          | 0  | 6
            "low"           | 3  | 5
            "NOTICE"        | 3  | 5
            "medium"        | 5  | 4
            "Moderate"      | 5  | 4
            "warning"       | 5  | 4
            "high"          | 8  | 3
            " High "        | 8  | 3
            "error"         | 8  | 3
            "critical"      | 10 | 2
            "very-high"     | 10 | 2
            "Very High"     | 10 | 2
            "fatal"         | 10 | 2
            0               | 0  | 6
            0.04            | 0  | 5
            3.9             | 4  | 5
            4               | 4  | 4
            6.5             | 7  | 4
            6.99            | 7  | 4
            7.0             | 7  | 3
            8.9             | 9  | 3
            9               | 9  | 2
            9.8             | 10 | 2
            10              | 10 | 2
            11              | 10 | 2
            1e400           | 10 | 2
            -3              | 0  | 6
            "7.5"           | 8  | 3
            "severe-ish"    | 3  | 5
            ""              | 3  | 5
            true            | 3  | 5
            null            | 3  | 5
            {"level":9}     | 3  | 5
            [9]             | 3  | 5
            """)
    void of_payloadValue_mapsToCefAndSyslog(String json, int cef, int syslog) {
        Severity s = Severity.of(Json.read(json));

        assertThat(s).isEqualTo(new Severity(cef, syslog));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            {"severity":"high"}           | severity | 8
            {"level":"critical"}          | level    | 10
            {"severity":"high"}           | level    | 3
            {}                            | severity | 3
            """)
    void of_payloadMember_readsTheNamedMemberOrDefaultsToLow(String payload, String member, int cef) {
        assertThat(Severity.of(Payload.parse(payload), member).cef()).isEqualTo(cef);
    }
}
