package io.herald.server;

import io.herald.EngineConfig;
import io.herald.Herald;
import io.herald.api.ApiHandler;
import io.herald.api.MetricsPage;
import io.herald.api.ProblemErrorHandler;
import io.herald.auth.Tokens;
import io.herald.web.WebHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Executors;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.eclipse.jetty.http.pathmap.PathSpec;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.PathMappingsHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The engine behind Jetty: what {@code herald serve} runs, and what tests start in-process. */
public final class HeraldServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(HeraldServer.class);

    private final Herald herald;
    private final Server server;

    private final List<MeterBinder> binders;

    private HeraldServer(Herald herald, Server server, List<MeterBinder> binders) {
        this.binders = binders;
        this.herald = herald;
        this.server = server;
    }

    /** Starts the engine and the HTTP server; returns once both are ready. */
    public static HeraldServer start(ServerConfig config, Clock clock) {
        return start(config, config.engineConfig(), clock);
    }

    public static HeraldServer start(ServerConfig config, EngineConfig engine, Clock clock) {
        if (config.databaseUrl() == null) {
            try {
                Files.createDirectories(config.dataDir());
            } catch (IOException e) {
                throw new UncheckedIOException("HERALD_DATA_DIR " + config.dataDir() + " cannot be created", e);
            }
        }
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        List<MeterBinder> binders = List.of(new JvmMemoryMetrics(), new JvmGcMetrics(), new JvmThreadMetrics(),
                new ClassLoaderMetrics(), new ProcessorMetrics(), new UptimeMetrics(), new FileDescriptorMetrics());
        binders.forEach(b -> b.bindTo(registry));
        Herald herald = Herald.start(engine.keyring() != null ? engine : engine.withKeyring(config.keyring(clock)), clock,
                new SecureRandom(), registry);
        try {
            bootstrapAdmin(herald, config);
            if (config.metricsTopEndpoints() > 0) {
                herald.showTopEndpoints(config.metricsTopEndpoints());
            }
            QueuedThreadPool pool = new QueuedThreadPool();
            pool.setName("herald-http");
            pool.setVirtualThreadsExecutor(Executors.newVirtualThreadPerTaskExecutor());
            Server server = new Server(pool);
            // No "Server: Jetty(…)" header: the version helps nobody but an attacker.
            HttpConfiguration http = new HttpConfiguration();
            http.setSendServerVersion(false);
            ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
            connector.setPort(config.port());
            server.addConnector(connector);
            Handler handlers = handlers(herald, config);
            if (config.metricsPort() != null) {
                // Loopback only, no token: for a scraper on this host. Nothing but /metrics answers there.
                ServerConnector metrics = new ServerConnector(server, new HttpConnectionFactory(http));
                metrics.setHost("127.0.0.1");
                metrics.setPort(config.metricsPort());
                server.addConnector(metrics);
                handlers = new Handler.Sequence(MetricsPage.onConnector(metrics, herald), handlers);
            }
            server.setHandler(handlers);
            // Jetty's own refusals (431, a bad URI, conflicting lengths) as problem documents too.
            server.setErrorHandler(new ProblemErrorHandler());
            server.setStopTimeout(5_000);
            server.start();
            HeraldServer hs = new HeraldServer(herald, server, binders);
            log.info("Herald {} listening on port {} ({}, node {})", Herald.VERSION, hs.port(),
                    config.databaseUrl() == null ? "SQLite " + config.dataDir().resolve("herald.db") : "PostgreSQL",
                    herald.dispatcher().node());
            return hs;
        } catch (Exception e) {
            herald.close();
            closeBinders(binders);
            if (e instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException("cannot start the HTTP server on port " + config.port() + ": " + e.getMessage(), e);
        }
    }

    /**
     * The web console and portal under /console/ and /portal/, their assets under /assets/, "/"
     * sent on to the console, and every other path to the API exactly as before.
     */
    private static Handler handlers(Herald herald, ServerConfig config) {
        WebHandler web = new WebHandler(herald, config.trustedProxies(), config.portalFrameAncestors());
        PathMappingsHandler paths = new PathMappingsHandler() {
            // Jetty 12.1's wrapper gives the request a context without a path, and
            // Request.getPathInContext then fails with a NullPointerException (there is no
            // ContextHandler here): hand the handlers the request as it came.
            @Override
            protected Request newPathSpecRequest(Request request, PathSpec pathSpec) {
                return request;
            }
        };
        paths.addMapping(PathSpec.from("/console/*"), web);
        paths.addMapping(PathSpec.from("/portal/*"), web);
        paths.addMapping(PathSpec.from("/assets/*"), web.assets());
        paths.addMapping(PathSpec.from(""), web); // the root "/" only: a 303 to /console/
        paths.addMapping(PathSpec.from("/"), new ApiHandler(herald, config.trustedProxies()));
        return paths;
    }

    /**
     * With HERALD_ADMIN_TOKEN set, that token is an admin token, and a different value set before
     * is revoked. Without it, the first start makes one, prints it once and keeps only its hash.
     */
    private static void bootstrapAdmin(Herald herald, ServerConfig config) {
        Tokens tokens = herald.tokens();
        if (config.adminToken() != null) {
            tokens.replaceEnvAdmin(config.adminToken());
        } else if (!tokens.hasAdmin()) {
            String token = Tokens.generate();
            tokens.add(token, Tokens.ADMIN, Tokens.Origin.GENERATED);
            String line = "Admin token (shown once, store it now): " + token;
            System.out.println(line);
            log.info("generated the first admin token; it was printed to standard output and only its hash is stored");
        }
    }

    public int port() {
        return ((ServerConnector) server.getConnectors()[0]).getLocalPort();
    }

    /** The loopback port serving /metrics without a token; -1 without HERALD_METRICS_PORT. */
    public int metricsPort() {
        return server.getConnectors().length < 2 ? -1 : ((ServerConnector) server.getConnectors()[1]).getLocalPort();
    }

    private static void closeBinders(List<MeterBinder> binders) {
        for (MeterBinder b : binders) {
            if (b instanceof AutoCloseable c) {
                try {
                    c.close();
                } catch (Exception e) {
                    log.debug("closing a JVM meter binder failed", e);
                }
            }
        }
    }

    public Herald herald() {
        return herald;
    }

    /** Stops taking requests, then shuts the engine down gracefully. */
    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            log.warn("stopping the HTTP server failed", e);
        }
        herald.close();
        closeBinders(binders);
    }
}
