package io.herald.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.api.ApiClient.Answer;
import io.herald.testing.TestPostgres;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Idempotency keys on one PostgreSQL database, which several nodes may share. */
class PostgresIdempotencyEndToEndTest extends IdempotencyEndToEndTest {
    private TestPostgres.Database database;

    @Override
    TestHerald startNode() {
        if (database == null) {
            database = TestPostgres.create();
        }
        return TestHerald.postgresNode(dir, database, Map.of());
    }

    @Override
    void dropDatabase() {
        if (database != null) {
            database.close();
        }
    }

    @Test
    void post_keyUsedOnNodeA_isReplayedOnNodeB() {
        TestHerald nodeB = node();
        String key = key();
        Answer onA = herald.api.postIdempotent(MSG, EVENT, key);
        Answer onB = nodeB.api.postIdempotent(MSG, EVENT, key);

        assertThat(onA.status()).isEqualTo(201);
        assertThat(onB.status()).isEqualTo(201);
        assertThat(onB.raw()).isEqualTo(onA.raw());
        assertThat(onB.header("idempotent-replayed")).isEqualTo("true");
        assertThat(messages(nodeB)).isEqualTo(1);

        Answer otherBodyOnB = nodeB.api.postIdempotent(MSG, EVENT.replace("\"id\": 1", "\"id\": 2"), key);
        assertProblemNamesHeader(otherBodyOnB, 422);
    }
}
