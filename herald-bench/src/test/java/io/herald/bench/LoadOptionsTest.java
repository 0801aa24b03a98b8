package io.herald.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LoadOptionsTest {
    @Test
    void parse_noArguments_runsEverythingOnSqliteWithTheDefaultJar() {
        LoadOptions o = LoadOptions.parse();
        assertThat(o.scenarios()).containsExactlyElementsOf(LoadOptions.SCENARIOS);
        assertThat(o.store()).isEqualTo("sqlite");
        assertThat(o.jars()).containsExactly(LoadOptions.DEFAULT_JAR);
        assertThat(o.out()).isEqualTo(Path.of("bench-results"));
        assertThat(o.quick()).isFalse();
        assertThat(o.jfr()).isFalse();
        assertThat(Sizes.of(o)).isEqualTo(Sizes.FULL);
        assertThat(Sizes.of(o).closedPublishers()).isEqualTo(64);
    }

    @Test
    void scenarios_closedLoopRunsRightAfterThroughput() {
        assertThat(LoadOptions.SCENARIOS).containsSubsequence("ceiling", "throughput", "closed", "latency");
        assertThat(LoadOptions.SCENARIOS.indexOf("closed")).isEqualTo(LoadOptions.SCENARIOS.indexOf("throughput") + 1);
        assertThat(LoadOptions.parse("--scenarios", "closed,ceiling").scenarios()).containsExactly("ceiling", "closed");
    }

    @Test
    void parse_publishers_setsTheClosedLoopsPublishersInBothSizes() {
        assertThat(Sizes.of(LoadOptions.parse("--publishers", "8")).closedPublishers()).isEqualTo(8);
        Sizes quick = Sizes.of(LoadOptions.parse("--quick", "--publishers=128"));
        assertThat(quick.closedPublishers()).isEqualTo(128);
        assertThat(quick.closedSeconds()).isLessThan(Sizes.FULL.closedSeconds());
        assertThat(quick.closedApps()).isEqualTo(100);
        assertThat(LoadOptions.parse("--publishers", "8").describe()).containsEntry("publishers", 8);
        assertThat(LoadOptions.parse().publishers()).isNull();
    }

    @Test
    void parse_publishers_outsideOneToTheClientsConnections_fails() {
        assertThatThrownBy(() -> LoadOptions.parse("--publishers", "0")).isInstanceOf(LoadOptions.Invalid.class)
                .hasMessage("--publishers must be between 1 and 512, got 0");
        assertThatThrownBy(() -> LoadOptions.parse("--publishers", "513")).hasMessageContaining("between 1 and 512");
        assertThatThrownBy(() -> LoadOptions.parse("--publishers", "many")).hasMessageContaining("whole number");
        assertThatThrownBy(() -> LoadOptions.parse("--publishers")).hasMessageContaining("--publishers needs a value");
    }

    @Test
    void parse_everyOption_isRead() {
        LoadOptions o = LoadOptions.parse("--scenarios", "latency,throughput", "--quick", "--store", "postgres",
                "--jar", "a.jar", "--jar=b.jar", "--jfr", "--perf", "--out", "/tmp/r", "--backlog", "2_000", "--rates", "10,20",
                "--isolation-rate", "300", "--cost-rate", "700", "--env", "HERALD_RETRY_DELAYS=2,2,2",
                "--hang-timeout-ms", "15000");
        // Scenarios run in the documented order, whatever order they were named in.
        assertThat(o.scenarios()).containsExactly("throughput", "latency");
        assertThat(o.quick()).isTrue();
        assertThat(o.store()).isEqualTo("postgres");
        assertThat(o.jars()).containsExactly(Path.of("a.jar"), Path.of("b.jar"));
        assertThat(o.jfr()).isTrue();
        assertThat(o.perf()).isTrue();
        assertThat(o.out()).isEqualTo(Path.of("/tmp/r"));
        assertThat(o.backlog()).isEqualTo(2_000);
        assertThat(o.rates()).containsExactly(10, 20);
        assertThat(o.isolationRate()).isEqualTo(300);
        assertThat(o.hangTimeoutMs()).isEqualTo(15_000);
        assertThat(HangingBacklogScenario.timeoutMs(o)).isEqualTo(15_000);
        assertThat(HangingBacklogScenario.timeoutMs(LoadOptions.parse())).isEqualTo(HangingBacklogScenario.TIMEOUT_MS);
        assertThat(o.env()).isEqualTo(Map.of("HERALD_RETRY_DELAYS", "2,2,2"));
        Sizes s = Sizes.of(o);
        assertThat(s.backlog()).isEqualTo(2_000);
        assertThat(s.rates()).containsExactly(10, 20);
        assertThat(s.stepSeconds()).isEqualTo(Sizes.QUICK.stepSeconds());
        assertThat(s.costRate()).isEqualTo(700);
        assertThat(s.costSeconds()).isEqualTo(Sizes.QUICK.costSeconds());
    }

    @Test
    void parse_databaseUrl_impliesPostgres() {
        LoadOptions o = LoadOptions.parse("--database-url", "jdbc:postgresql://db/x?user=u");
        assertThat(o.store()).isEqualTo("postgres");
        assertThat(o.databaseUrl()).isEqualTo("jdbc:postgresql://db/x?user=u");
    }

    @Test
    void parse_badOptions_failWithAMessageNamingTheOption() {
        assertThatThrownBy(() -> LoadOptions.parse("--fast")).isInstanceOf(LoadOptions.Invalid.class)
                .hasMessage("unknown option '--fast' (see --help)");
        assertThatThrownBy(() -> LoadOptions.parse("--store", "mysql")).hasMessageContaining("--store must be sqlite or postgres");
        assertThatThrownBy(() -> LoadOptions.parse("--store")).hasMessageContaining("--store needs a value");
        assertThatThrownBy(() -> LoadOptions.parse("--jar", "--quick")).hasMessageContaining("--jar needs a value");
        assertThatThrownBy(() -> LoadOptions.parse("--backlog", "lots")).hasMessageContaining("--backlog must be a whole number");
        assertThatThrownBy(() -> LoadOptions.parse("--backlog", "0")).hasMessageContaining("--backlog must be between 1 and");
        assertThatThrownBy(() -> LoadOptions.parse("--scenarios", "ceiling,speed"))
                .hasMessageContaining("unknown scenario 'speed'").hasMessageContaining("ceiling,throughput,closed,cost,latency");
        assertThatThrownBy(() -> LoadOptions.parse("--scenarios", ",")).hasMessageContaining("names no scenario");
        assertThatThrownBy(() -> LoadOptions.parse("--rates", "500,250")).hasMessageContaining("ascending");
        assertThatThrownBy(() -> LoadOptions.parse("--store", "sqlite", "--database-url", "jdbc:postgresql://x/y"))
                .hasMessageContaining("cannot be used with --store sqlite");
        assertThatThrownBy(() -> LoadOptions.parse("--database-url", "jdbc:sqlite:x.db")).hasMessageContaining("jdbc:postgresql:");
        assertThatThrownBy(() -> LoadOptions.parse("--env", "NOVALUE")).hasMessageContaining("KEY=VALUE");
        assertThatThrownBy(() -> LoadOptions.parse("--quick=yes")).hasMessageContaining("--quick takes no value");
        assertThatThrownBy(() -> LoadOptions.parse("--hang-timeout-ms", "500"))
                .hasMessageContaining("--hang-timeout-ms must be between 1000 and 300000");
    }

    @Test
    void describe_listsTheOptionsForTheResultsFile() {
        Map<String, Object> d = LoadOptions.parse("--quick", "--scenarios", "ceiling").describe();
        assertThat(d).containsEntry("quick", true).containsEntry("store", "sqlite")
                .containsEntry("scenarios", List.of("ceiling"));
    }

    @Test
    void jarEnvAndDatabaseParams_belongToTheJarBeforeThem() {
        LoadOptions o = LoadOptions.parse("--store", "postgres", "--env", "HERALD_X=1",
                "--jar", "a.jar", "--jar", "a.jar", "--jar-env", "HERALD_Y=2", "--jar-db-params", "unixSocket=/run/pg", "--jar", "b.jar");
        assertThat(o.jars()).containsExactly(Path.of("a.jar"), Path.of("a.jar"), Path.of("b.jar"));
        assertThat(o.variations().get(0)).isSameAs(LoadOptions.Variation.NONE);
        assertThat(o.variations().get(1).env()).isEqualTo(Map.of("HERALD_Y", "2"));
        assertThat(o.variations().get(1).url("jdbc:postgresql://h/db?user=p")).isEqualTo("jdbc:postgresql://h/db?user=p&unixSocket=/run/pg");
        assertThat(o.variations().get(1).url("jdbc:postgresql://h/db")).isEqualTo("jdbc:postgresql://h/db?unixSocket=/run/pg");
        assertThat(o.variations().get(2)).isSameAs(LoadOptions.Variation.NONE);
        assertThat(o.variations().get(0).url("jdbc:postgresql://h/db?user=p")).isEqualTo("jdbc:postgresql://h/db?user=p");
        assertThat(o.env()).isEqualTo(Map.of("HERALD_X", "1"));
        assertThat(LoadOptions.parse().variations()).containsExactly(LoadOptions.Variation.NONE);

        assertThatThrownBy(() -> LoadOptions.parse("--jar-env", "HERALD_Y=2")).hasMessageContaining("--jar before it");
        assertThatThrownBy(() -> LoadOptions.parse("--jar", "a.jar", "--jar-env", "Y")).hasMessageContaining("KEY=VALUE");
        assertThatThrownBy(() -> LoadOptions.parse("--jar", "a.jar", "--jar-db-params", "unixSocket=/x"))
                .hasMessageContaining("PostgreSQL");
        assertThatThrownBy(() -> LoadOptions.parse("--store", "postgres", "--jar", "a.jar", "--jar-db-params", "?a=b"))
                .hasMessageContaining("NAME=VALUE");
    }
}
