package io.herald.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.HeraldException;
import io.herald.Json;
import io.herald.message.MessageIn;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class InTest {
    @Test
    void message_payloadAfterMultibyteText_isSlicedExactly() {
        String payload = "{ \"title\" : \"caf\u00e9 \u20ac \ud834\udd1e\", \"n\": 1.50 }";
        String body = "{\"eventType\": \"scan.finished\", \"eventId\": \"\u00e9\u20ac\ud834\udd1e\", \"payload\": " + payload
                + ", \"channels\": [\"c\"]}";
        MessageIn in = In.message(Json.read(body), body);
        assertThat(in.payload()).isEqualTo(payload);
        assertThat(in.parsed()).as("the tree handed to publish is the text's").isEqualTo(Json.read(payload));
    }

    @Test
    void message_duplicatePayloadMembers_lastOneCountsAsInTheTree() {
        String body = "{\"payload\": {\"first\": 1}, \"eventType\": \"a\", \"payload\": {\"second\": 2}}";
        MessageIn in = In.message(Json.read(body), body);
        assertThat(in.payload()).isEqualTo("{\"second\": 2}");
        assertThat(in.parsed()).isEqualTo(Json.read("{\"second\": 2}"));
    }

    @Test
    void message_rawPayloadOfSvixSdk_isTakenAsIs() {
        String body = "{\"eventType\": \"a\", \"payload\": {}, \"transformationsParams\": {\"rawPayload\": \"{ \\\"x\\\":1 }\"}}";
        MessageIn in = In.message(Json.read(body), body);
        assertThat(in.payload()).isEqualTo("{ \"x\":1 }");
        assertThat(in.payloadField()).isEqualTo("transformationsParams.rawPayload");
        assertThat(in.parsed()).as("a raw payload is parsed by publish, not here").isNull();
    }

    @Test
    void message_payloadRetentionOfSvix_inDaysOrHours_isRead_andOutOfBoundsOrBothIsRefusedNamingTheField() {
        assertThat(retention("{\"payloadRetentionPeriod\": 30}")).isEqualTo(Duration.ofDays(30));
        assertThat(retention("{\"payloadRetentionHours\": 3}")).isEqualTo(Duration.ofHours(3));
        assertThat(retention("{\"payloadRetentionPeriod\": null}")).isNull();
        assertThat(retention("{}")).isNull();
        for (String bad : new String[] {"{\"payloadRetentionPeriod\": 0}", "{\"payloadRetentionPeriod\": 3651}",
                "{\"payloadRetentionPeriod\": 1.5}", "{\"payloadRetentionPeriod\": \"30\"}"}) {
            assertThatThrownBy(() -> retention(bad)).as(bad).isInstanceOfSatisfying(HeraldException.InvalidInput.class,
                    e -> assertThat(e.field()).isEqualTo("payloadRetentionPeriod"));
        }
        assertThatThrownBy(() -> retention("{\"payloadRetentionHours\": 87601}"))
                .isInstanceOfSatisfying(HeraldException.InvalidInput.class, e -> assertThat(e.field()).isEqualTo("payloadRetentionHours"));
        assertThatThrownBy(() -> retention("{\"payloadRetentionPeriod\": 1, \"payloadRetentionHours\": 1}"))
                .isInstanceOfSatisfying(HeraldException.InvalidInput.class, e -> assertThat(e.field()).isEqualTo("payloadRetentionHours"));
    }

    private static Duration retention(String members) {
        String body = "{\"eventType\": \"a\", \"payload\": {}, " + members.substring(1);
        if (members.equals("{}")) {
            body = "{\"eventType\": \"a\", \"payload\": {}}";
        }
        return In.message(Json.read(body), body).payloadRetention();
    }
}
