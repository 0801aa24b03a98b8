package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** GET /api/v1/app/{app}/msg: newest first, filters, and paging, through HTTP. */
class MessageListTest {
    @TempDir
    Path dir;
    TestHerald herald;
    final List<String> ids = new ArrayList<>();
    Instant middle;

    @BeforeEach
    void setUp() {
        herald = TestHerald.sqlite(dir, Map.of());
        herald.api.checkedAgainstOpenApi(); // every answer must be as the OpenAPI document describes it
        herald.post("/api/v1/app", "{\"name\": \"Acme\", \"uid\": \"acme\"}", 201);
        String[][] messages = {
                {"scan.finished", "[\"campaign-1\"]"}, {"scan.started", "null"}, {"finding.created", "[\"campaign-2\"]"},
                {"scan.finished", "[\"campaign-2\", \"campaign-1\"]"}, {"finding.created", "null"}};
        for (int i = 0; i < messages.length; i++) {
            if (i == 2) {
                middle = herald.clock.instant();
                herald.advance(Duration.ofMillis(500));
            }
            ids.add(herald.post("/api/v1/app/acme/msg", "{\"eventType\": \"" + messages[i][0] + "\", \"channels\": "
                    + messages[i][1] + ", \"tags\": [\"t" + (i % 2) + "\"], \"payload\": {\"i\": " + i + "}}", 201).get("id").asString());
            herald.advance(Duration.ofSeconds(1));
        }
    }

    @AfterEach
    void tearDown() {
        herald.close();
    }

    private List<String> list(String query) {
        JsonNode page = herald.get("/api/v1/app/acme/msg" + query);
        return StreamSupport.stream(page.get("data").spliterator(), false).map(m -> m.get("id").asString()).toList();
    }

    private List<String> idsAt(int... positions) {
        List<String> out = new ArrayList<>();
        for (int p : positions) {
            out.add(ids.get(p));
        }
        return out;
    }

    @Test
    void list_isNewestFirst_withPayloads() {
        assertThat(list("")).containsExactlyElementsOf(idsAt(4, 3, 2, 1, 0));
        JsonNode first = herald.get("/api/v1/app/acme/msg").get("data").get(0);
        assertThat(first.get("payload").get("i").asInt()).isEqualTo(4);
        assertThat(first.get("eventType").asString()).isEqualTo("finding.created");
    }

    @Test
    void list_filtersByEventTypeChannelTagAndTime() {
        assertThat(list("?event_types=scan.finished")).containsExactlyElementsOf(idsAt(3, 0));
        assertThat(list("?event_types=scan.finished&event_types=scan.started")).containsExactlyElementsOf(idsAt(3, 1, 0));
        assertThat(list("?channel=campaign-1")).containsExactlyElementsOf(idsAt(3, 0));
        assertThat(list("?channel=campaign-2")).containsExactlyElementsOf(idsAt(3, 2));
        assertThat(list("?tag=t1")).containsExactlyElementsOf(idsAt(3, 1));
        assertThat(list("?before=" + middle)).containsExactlyElementsOf(idsAt(1, 0));
        assertThat(list("?after=" + middle)).containsExactlyElementsOf(idsAt(4, 3, 2));
        assertThat(list("?after=" + middle + "&event_types=finding.created")).containsExactlyElementsOf(idsAt(4, 2));
    }

    @Test
    void list_pagesWithIterator_untilDone() {
        List<String> seen = new ArrayList<>();
        String iterator = null;
        int pages = 0;
        while (true) {
            JsonNode page = herald.get("/api/v1/app/acme/msg?limit=2" + (iterator == null ? "" : "&iterator=" + iterator));
            page.get("data").forEach(m -> seen.add(m.get("id").asString()));
            pages++;
            if (page.get("done").asBoolean()) {
                break;
            }
            iterator = page.get("iterator").asString();
        }
        assertThat(pages).isEqualTo(3);
        assertThat(seen).containsExactlyElementsOf(idsAt(4, 3, 2, 1, 0));
    }
}
