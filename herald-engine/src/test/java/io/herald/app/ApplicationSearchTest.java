package io.herald.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.herald.store.Ids;
import io.herald.store.PageRequest;
import io.herald.store.Store;
import io.herald.store.StoreSettings;
import io.herald.testing.SettableClock;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Applications.search on each database (one subclass per database): contains, any case, wildcards literal. */
abstract class ApplicationSearchTest {
    final SettableClock clock = SettableClock.atNow();
    Store store;
    Applications applications;

    abstract String createDatabase();

    abstract void dropDatabase();

    @BeforeEach
    void setUp() {
        store = Store.open(createDatabase(), StoreSettings.DEFAULTS);
        applications = new Applications(store, new Ids(clock, new Random(9)), clock);
        for (String[] app : new String[][] {{"Billing", "billing-eu"}, {"100% done", "done"}, {"a_b", null}, {"a\\b", null}, {"Hey!", null}}) {
            applications.create(new ApplicationIn(app[0], app[1], null, Map.of()), false);
        }
    }

    @AfterEach
    void tearDown() {
        store.close();
        dropDatabase();
    }

    private List<String> names(String q) {
        return applications.search(q, new PageRequest(50, null, false)).data().stream().map(Application::name).toList();
    }

    @Test
    void search_matchesNameOrUid_anyCase_withWildcardsTakenLiterally() {
        assertThat(names("BILL")).containsExactly("Billing");
        assertThat(names("-eu")).as("uid").containsExactly("Billing");
        assertThat(names("%")).containsExactly("100% done");
        assertThat(names("_")).containsExactly("a_b");
        assertThat(names("\\")).containsExactly("a\\b");
        assertThat(names("  ")).hasSize(5);
        assertThat(names("!")).containsExactly("Hey!");
        assertThat(names("nothing like it")).isEmpty();
    }

    @Test
    void search_pages() {
        var first = applications.search("b", new PageRequest(2, null, false));
        assertThat(first.data()).hasSize(2);
        assertThat(first.done()).isFalse();
        var second = applications.search("b", new PageRequest(2, first.iterator(), false));
        assertThat(second.done()).isTrue();
        assertThat(java.util.stream.Stream.concat(first.data().stream(), second.data().stream()).map(Application::name))
                .containsExactlyInAnyOrder("Billing", "a_b", "a\\b");
    }
}
