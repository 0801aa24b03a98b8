package io.herald.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.Json;
import io.herald.message.MessageIn;
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
}
