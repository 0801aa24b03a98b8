package io.herald.server;

import io.herald.Herald;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code herald serve}: flags mirror the HERALD_* environment variables and win over them. */
@Command(name = "herald", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        subcommands = {Main.Serve.class}, description = "Herald: outbound webhook delivery server.")
public final class Main implements Runnable {
    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        new CommandLine(this).usage(System.out);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"Herald " + Herald.VERSION};
        }
    }

    @Command(name = "serve", description = "Start the server.")
    static final class Serve implements Callable<Integer> {
        @Option(names = "--port", description = "HERALD_PORT (default 8080)")
        Integer port;
        @Option(names = "--data-dir", description = "HERALD_DATA_DIR (default ./data)")
        String dataDir;
        @Option(names = "--database-url", description = "HERALD_DATABASE_URL (default: SQLite in the data dir)")
        String databaseUrl;
        @Option(names = "--https-only", arity = "1", description = "HERALD_HTTPS_ONLY (default true)")
        String httpsOnly;
        @Option(names = "--allowed-targets", description = "HERALD_ALLOWED_TARGETS, e.g. 127.0.0.1/32")
        String allowedTargets;

        @Override
        public Integer call() throws InterruptedException {
            Map<String, String> env = new HashMap<>(System.getenv());
            put(env, "HERALD_PORT", port == null ? null : port.toString());
            put(env, "HERALD_DATA_DIR", dataDir);
            put(env, "HERALD_DATABASE_URL", databaseUrl);
            put(env, "HERALD_HTTPS_ONLY", httpsOnly);
            put(env, "HERALD_ALLOWED_TARGETS", allowedTargets);
            ServerConfig config;
            try {
                config = ServerConfig.fromEnv(env);
            } catch (ServerConfig.Invalid e) {
                System.err.println("herald: " + e.getMessage());
                return 2;
            }
            HeraldServer server = HeraldServer.start(config, Clock.systemUTC());
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                stopped.countDown();
            }, "herald-shutdown"));
            stopped.await();
            return 0;
        }

        private static void put(Map<String, String> env, String key, String value) {
            if (value != null) {
                env.put(key, value);
            }
        }
    }
}
