package io.herald.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.herald.delivery.Cidr;
import io.herald.store.StoreSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServerConfigTest {
    @Test
    void fromEnv_empty_givesDocumentedDefaults() {
        ServerConfig c = ServerConfig.fromEnv(Map.of());
        assertThat(c.port()).isEqualTo(8080);
        assertThat(c.dataDir()).isEqualTo(Path.of("data"));
        assertThat(c.jdbcUrl()).startsWith("jdbc:sqlite:").endsWith("herald.db");
        assertThat(c.httpsOnly()).isTrue();
        assertThat(c.allowedTargets()).isEmpty();
        assertThat(c.adminToken()).isNull();
        assertThat(c.lease()).isEqualTo(Duration.ofSeconds(90));
        assertThat(c.retryDelays()).isEqualTo(io.herald.delivery.RetryPolicy.DEFAULT_DELAYS);
        assertThat(c.attemptTimeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(c.engineConfig().dispatcher().timeout()).isEqualTo(Duration.ofSeconds(15));
        assertThat(c.engineConfig().store()).isEqualTo(new StoreSettings(16, 4));
        assertThat(c.engineConfig().dispatcher().perEndpoint()).isEqualTo(16);
    }

    @Test
    void retryDelaysAndAttemptTimeout_areRead_andReachTheEngine() {
        ServerConfig c = ServerConfig.fromEnv(Map.of("HERALD_RETRY_DELAYS", "2, 60,3600", "HERALD_ATTEMPT_TIMEOUT_SECONDS", "30"));
        assertThat(c.retryDelays()).containsExactly(Duration.ofSeconds(2), Duration.ofMinutes(1), Duration.ofHours(1));
        assertThat(c.engineConfig().retryDelays()).isEqualTo(c.retryDelays());
        assertThat(c.engineConfig().dispatcher().timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(ServerConfig.fromEnv(Map.of("HERALD_RETRY_DELAYS", "none")).retryDelays()).isEmpty();
    }

    @Test
    void attemptTimeout_longerThanTheLeaseCovers_namesTheLease() {
        assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("HERALD_ATTEMPT_TIMEOUT_SECONDS", "30", "HERALD_LEASE_SECONDS", "60")))
                .isInstanceOf(ServerConfig.Invalid.class)
                .hasMessageContaining("HERALD_LEASE_SECONDS").hasMessageContaining("70");
    }

    @Test
    void fromEnv_allSet_areRead() {
        Map<String, String> env = new java.util.HashMap<>(Map.of("HERALD_PORT", "9090", "HERALD_DATA_DIR", "/tmp/h",
                "HERALD_DATABASE_URL", "jdbc:postgresql://db/herald", "HERALD_ADMIN_TOKEN", "0123456789abcdef",
                "HERALD_HTTPS_ONLY", "false", "HERALD_ALLOWED_TARGETS", "127.0.0.1/32, 10.0.0.0/8",
                "HERALD_DATABASE_POOL_SIZE", "40", "HERALD_DATABASE_WRITERS", "8", "HERALD_MAX_IN_FLIGHT_PER_ENDPOINT", "4"));
        env.put("HERALD_SECRET_KEY", KEY_2 + ", " + KEY_1);
        ServerConfig c = ServerConfig.fromEnv(env);
        assertThat(c.port()).isEqualTo(9090);
        assertThat(c.jdbcUrl()).isEqualTo("jdbc:postgresql://db/herald");
        assertThat(c.httpsOnly()).isFalse();
        assertThat(c.allowedTargets()).containsExactly(Cidr.parse("127.0.0.1/32"), Cidr.parse("10.0.0.0/8"));
        assertThat(c.engineConfig().store()).isEqualTo(new StoreSettings(40, 8));
        assertThat(c.engineConfig().dispatcher().perEndpoint()).isEqualTo(4);
        assertThat(c.engineConfig().auditRetention()).isEqualTo(java.time.Duration.ofDays(365));
        assertThat(c.trustedProxies()).isEmpty();
        assertThat(c.engineConfig().keyring().ids()).containsExactly("k2", "k1");
    }

    @Test
    void fromEnv_commitDelay_isReadInMilliseconds_unsetIsTheDatabasesDefault_andBounded() {
        assertThat(ServerConfig.fromEnv(Map.of()).engineConfig().store().commitDelay()).isNull();
        assertThat(ServerConfig.fromEnv(Map.of("HERALD_DATABASE_COMMIT_DELAY_MS", "0")).engineConfig().store().commitDelay())
                .isEqualTo(java.time.Duration.ZERO);
        assertThat(ServerConfig.fromEnv(Map.of("HERALD_DATABASE_COMMIT_DELAY_MS", "10")).engineConfig().store().commitDelay())
                .isEqualTo(java.time.Duration.ofMillis(10));
        assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("HERALD_DATABASE_COMMIT_DELAY_MS", "101")))
                .isInstanceOf(ServerConfig.Invalid.class).hasMessageContaining("HERALD_DATABASE_COMMIT_DELAY_MS must be between 0 and 100");
    }

    @Test
    void fromEnv_proxyUrl_isRead_andABadOneNamesTheSettingWithoutItsPassword() {
        assertThat(ServerConfig.fromEnv(Map.of()).engineConfig().proxy()).isNull();
        assertThat(ServerConfig.fromEnv(Map.of("HERALD_PROXY_URL", "http://egress.internal:3128")).engineConfig().proxy())
                .isEqualTo(io.herald.delivery.EgressProxy.parse("http://egress.internal:3128"));
        assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("HERALD_PROXY_URL", "https://u:hunter2@egress.internal:3128")))
                .isInstanceOf(ServerConfig.Invalid.class).hasMessageStartingWith("HERALD_PROXY_URL must start with http://")
                .message().doesNotContain("hunter2");
    }

    @Test
    void fromEnv_metricsPort_isOffByDefault_boundedAndNotTheApiPort() {
        assertThat(ServerConfig.fromEnv(Map.of()).metricsPort()).isNull();
        assertThat(ServerConfig.fromEnv(Map.of("HERALD_METRICS_PORT", "9464")).metricsPort()).isEqualTo(9464);
        assertThat(ServerConfig.fromEnv(Map.of("HERALD_METRICS_PORT", "0", "HERALD_PORT", "0")).metricsPort()).isZero();
        assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("HERALD_METRICS_PORT", "65536")))
                .isInstanceOf(ServerConfig.Invalid.class).hasMessage("HERALD_METRICS_PORT must be between 0 and 65535, got 65536");
        assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("HERALD_METRICS_PORT", "-1")))
                .isInstanceOf(ServerConfig.Invalid.class).hasMessageContaining("HERALD_METRICS_PORT");
        assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("HERALD_METRICS_PORT", "metrics")))
                .isInstanceOf(ServerConfig.Invalid.class).hasMessage("HERALD_METRICS_PORT must be a whole number, got 'metrics'");
        assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("HERALD_METRICS_PORT", "8080")))
                .isInstanceOf(ServerConfig.Invalid.class).hasMessageContaining("HERALD_METRICS_PORT must differ from HERALD_PORT");
    }

    @Test
    void fromEnv_logFormat_isTextOrJson() {
        ServerConfig.fromEnv(Map.of("HERALD_LOG_FORMAT", "json"));
        ServerConfig.fromEnv(Map.of("HERALD_LOG_FORMAT", "text"));
        assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("HERALD_LOG_FORMAT", "JSON")))
                .isInstanceOf(ServerConfig.Invalid.class).hasMessage("HERALD_LOG_FORMAT must be text or json, got 'JSON'");
    }

    @Test
    void fromEnv_auditRetentionAndTrustedProxies_areRead() {
        ServerConfig c = ServerConfig.fromEnv(Map.of("HERALD_AUDIT_RETENTION_DAYS", "30", "HERALD_TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1"));
        assertThat(c.engineConfig().auditRetention()).isEqualTo(java.time.Duration.ofDays(30));
        assertThat(c.trustedProxies()).containsExactly(Cidr.parse("10.0.0.0/8"), Cidr.parse("127.0.0.1/32"));
    }

    @Test
    void fromEnv_portalFrameAncestors_areSpaceSeparatedSources_andNoneByDefault() {
        assertThat(ServerConfig.fromEnv(Map.of()).portalFrameAncestors()).isEmpty();
        assertThat(ServerConfig.fromEnv(Map.of("HERALD_PORTAL_FRAME_ANCESTORS",
                " https://app.example.com  https://*.example.org:8443 'self' https: ")).portalFrameAncestors())
                .containsExactly("https://app.example.com", "https://*.example.org:8443", "'self'", "https:");
        for (String bad : new String[] {"'unsafe-inline'", "'none'", "https://a.example 'self' \"x\""}) {
            assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("HERALD_PORTAL_FRAME_ANCESTORS", bad)))
                    .isInstanceOf(ServerConfig.Invalid.class).hasMessageStartingWith("HERALD_PORTAL_FRAME_ANCESTORS");
        }
    }

    @Test
    void fromEnv_retentionDays_isRead_andDefaultsTo30() {
        assertThat(ServerConfig.fromEnv(Map.of("HERALD_RETENTION_DAYS", "7")).engineConfig().retention())
                .isEqualTo(java.time.Duration.ofDays(7));
        assertThat(ServerConfig.fromEnv(Map.of()).engineConfig().retention()).isEqualTo(java.time.Duration.ofDays(30));
    }

    private static final String KEY_1 = "k1:" + java.util.Base64.getEncoder().encodeToString(new byte[32]);
    private static final String KEY_2 = "k2:" + java.util.Base64.getEncoder().encodeToString(new byte[32]);

    @Test
    void secretKey_onPostgresql_isRequired_andOnlyOneSourceMayBeSet() {
        assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("HERALD_DATABASE_URL", "jdbc:postgresql://db/herald")))
                .isInstanceOf(ServerConfig.Invalid.class)
                .hasMessageContaining("HERALD_SECRET_KEY (or HERALD_SECRET_KEY_FILE) is required with PostgreSQL");
        assertThat(ServerConfig.fromEnv(Map.of("HERALD_DATABASE_URL", "jdbc:postgresql://db/herald",
                "HERALD_SECRET_KEY_FILE", "/run/secrets/herald")).keyFile()).isEqualTo(Path.of("/run/secrets/herald"));
        assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("HERALD_SECRET_KEY", KEY_1, "HERALD_SECRET_KEY_FILE", "/k")))
                .isInstanceOf(ServerConfig.Invalid.class).hasMessageContaining("not both");
    }

    @Test
    void databaseUrl_unixSocketWithAnSslModeThatRequiresEncryption_isRefused_naming_both() {
        assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("HERALD_SECRET_KEY", KEY_1,
                "HERALD_DATABASE_URL", "jdbc:postgresql://localhost/herald?sslmode=require&unixSocket=/var/run/postgresql")))
                .isInstanceOf(ServerConfig.Invalid.class).hasMessageContaining("HERALD_DATABASE_URL")
                .hasMessageContaining("sslmode=require cannot be used with unixSocket");
        assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of("HERALD_SECRET_KEY", KEY_1,
                "HERALD_DATABASE_URL", "jdbc:postgresql://localhost/herald?unixSocket=/run/pg&sslmode=verify-full")))
                .isInstanceOf(ServerConfig.Invalid.class).hasMessageContaining("sslmode=verify-full");
        assertThat(ServerConfig.fromEnv(Map.of("HERALD_SECRET_KEY", KEY_1,
                "HERALD_DATABASE_URL", "jdbc:postgresql://localhost/herald?sslmode=prefer&unixSocket=/run/pg")).engineConfig().databaseUrl())
                .endsWith("unixSocket=/run/pg");
        assertThat(ServerConfig.fromEnv(Map.of("HERALD_SECRET_KEY", KEY_1,
                "HERALD_DATABASE_URL", "jdbc:postgresql://db/herald?sslmode=require")).engineConfig().databaseUrl())
                .as("over TCP it is the server's business").endsWith("sslmode=require");
    }

    @Test
    void secretKey_unset_isTheKeyFileInTheDataDirectory_whichRekeyDoesNotCreate(@TempDir Path dir) {
        ServerConfig c = ServerConfig.fromEnv(Map.of("HERALD_DATA_DIR", dir.toString()));
        assertThat(c.keyFile()).isEqualTo(dir.resolve("herald.key"));
        assertThat(c.engineConfig().keyring()).as("read when the server starts").isNull();
        assertThatThrownBy(c::existingKeyring).isInstanceOf(ServerConfig.Invalid.class).hasMessageContaining("does not exist");
        assertThat(c.keyring(java.time.Clock.systemUTC()).ids()).hasSize(1);
        assertThat(c.existingKeyring().ids()).isEqualTo(c.keyring(java.time.Clock.systemUTC()).ids());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "HERALD_PORT | 80000",
            "HERALD_PORT | http",
            "HERALD_DATABASE_URL | mysql://localhost/herald",
            "HERALD_ADMIN_TOKEN | short",
            "HERALD_HTTPS_ONLY | maybe",
            "HERALD_ALLOWED_TARGETS | 10.0.0.0/33",
            "HERALD_ALLOWED_TARGETS | intranet",
            "HERALD_LEASE_SECONDS | 5",
            "HERALD_SHUTDOWN_GRACE_SECONDS | -1",
            "HERALD_RETRY_DELAYS | 5,,10",
            "HERALD_RETRY_DELAYS | 0",
            "HERALD_RETRY_DELAYS | 5m",
            "HERALD_RETRY_DELAYS | 604801",
            "HERALD_RETRY_DELAYS | 1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1",
            "HERALD_ATTEMPT_TIMEOUT_SECONDS | 0",
            "HERALD_ATTEMPT_TIMEOUT_SECONDS | 31",
            "HERALD_DATABASE_POOL_SIZE | 1",
            "HERALD_DATABASE_WRITERS | 0",
            "HERALD_DATABASE_WRITERS | 9",
            "HERALD_MAX_IN_FLIGHT_PER_ENDPOINT | 0",
            "HERALD_MAX_IN_FLIGHT_PER_ENDPOINT | 65",
            "HERALD_AUDIT_RETENTION_DAYS | 0",
            "HERALD_AUDIT_RETENTION_DAYS | 3651",
            "HERALD_RETENTION_DAYS | 0",
            "HERALD_RETENTION_DAYS | 3651",
            "HERALD_TRUSTED_PROXIES | proxy.internal",
            "HERALD_PORTAL_FRAME_ANCESTORS | https://a.example; script-src *",
            "HERALD_PORTAL_FRAME_ANCESTORS | https://a.example,https://b.example",
            "HERALD_SECRET_KEY | a-key-without-id",
            "HERALD_SECRET_KEY | k1:c2hvcnQ=",
            "HERALD_SECRET_KEY | k1:not base64!"})
    void fromEnv_badValue_failsNamingTheSetting(String name, String value) {
        assertThatThrownBy(() -> ServerConfig.fromEnv(Map.of(name, value)))
                .isInstanceOf(ServerConfig.Invalid.class)
                .hasMessageContaining(name);
    }
}
