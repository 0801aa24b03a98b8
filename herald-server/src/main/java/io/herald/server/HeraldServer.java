package io.herald.server;

import io.herald.EngineConfig;
import io.herald.Herald;
import io.herald.api.ApiHandler;
import io.herald.api.ProblemErrorHandler;
import io.herald.auth.Tokens;
import io.herald.web.WebHandler;
import java.nio.file.Files;
import java.nio.file.Path;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.concurrent.Executors;
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

    private HeraldServer(Herald herald, Server server) {
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
        Herald herald = Herald.start(engine.keyring() != null ? engine : engine.withKeyring(config.keyring(clock)), clock);
        try {
            bootstrapAdmin(herald, config);
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
            server.setHandler(handlers(herald, config));
            // Jetty's own refusals (431, a bad URI, conflicting lengths) as problem documents too.
            server.setErrorHandler(new ProblemErrorHandler());
            server.setStopTimeout(5_000);
            server.start();
            HeraldServer hs = new HeraldServer(herald, server);
            log.info("Herald {} listening on port {} ({}, node {})", Herald.VERSION, hs.port(),
                    config.databaseUrl() == null ? "SQLite " + config.dataDir().resolve("herald.db") : "PostgreSQL",
                    herald.dispatcher().node());
            return hs;
        } catch (Exception e) {
            herald.close();
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
    }
}
