package io.herald.server;

import io.herald.Herald;
import io.herald.endpoint.SecretsAtRest;
import io.herald.secret.Keyring;
import io.herald.store.SqliteBackup;
import io.herald.store.Store;
import io.herald.store.StoreSettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code herald serve}: every setting is a HERALD_* environment variable, and a flag that wins over it
 * (made from {@link ServerConfig#SETTINGS}).
 * {@code herald backup FILE}: a consistent copy of the SQLite file while Herald runs.
 * {@code herald secrets new-key|rekey}: the keys that encrypt endpoint secrets at rest.
 */
@Command(name = "herald", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        subcommands = {Main.Serve.class, Main.Backup.class, Main.SecretsCommand.class}, description = "Herald: outbound webhook delivery server.")
public final class Main implements Runnable {
    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line: every setting of {@link ServerConfig#SETTINGS} becomes a flag of
     * {@code serve} (secrets excepted: they stay in the environment, out of {@code ps}), and the
     * database's settings flags of the commands that open it.
     */
    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Main());
        addSettings(cl.getSubcommands().get("serve").getCommandSpec(), ServerConfig.SETTINGS);
        List<Setting<?>> database = List.of(ServerConfig.DATA_DIR, ServerConfig.DATABASE_URL);
        addSettings(cl.getSubcommands().get("backup").getCommandSpec(), database);
        addSettings(cl.getSubcommands().get("secrets").getSubcommands().get("rekey").getCommandSpec(), database);
        return cl;
    }

    private static void addSettings(CommandSpec spec, List<Setting<?>> settings) {
        List<String> secrets = new java.util.ArrayList<>();
        for (Setting<?> s : settings) {
            if (s.secret()) {
                secrets.add(s.variable() + ": " + describe(s));
                continue;
            }
            spec.addOption(OptionSpec.builder(s.flag()).type(String.class).paramLabel("<value>")
                    .description(s.variable() + ": " + describe(s)).build());
        }
        if (!secrets.isEmpty()) {
            spec.usageMessage().footer(Stream.concat(Stream.of("", "Read from the environment only (secrets):"),
                    secrets.stream().map(line -> "  " + line)).toArray(String[]::new));
        }
    }

    private static String describe(Setting<?> s) {
        return s.description() + " (default " + s.defaultText() + (s.boundsText().isEmpty() ? "" : "; " + s.boundsText()) + ")";
    }

    /** {@code base} with every setting given as a flag of {@code spec} put over it: flags win. */
    static Map<String, String> environment(CommandSpec spec, Map<String, String> base) {
        Map<String, String> env = new HashMap<>(base);
        for (Setting<?> s : ServerConfig.SETTINGS) {
            OptionSpec o = spec == null ? null : spec.findOption(s.flag());
            if (o != null && o.getValue() != null) {
                env.put(s.variable(), o.getValue());
            }
        }
        return env;
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

    @Command(name = "serve", mixinStandardHelpOptions = true, description = {"Start the server.",
            "Every setting is read from its HERALD_* environment variable; a flag given here wins over it. "
                    + "A bad value stops start-up with a message that names the setting."})
    static final class Serve implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws InterruptedException {
            Map<String, String> env = environment(spec, System.getenv());
            ServerConfig config;
            try {
                config = ServerConfig.fromEnv(env);
            } catch (ServerConfig.Invalid e) {
                System.err.println("herald: " + e.getMessage());
                return 2;
            }
            HeraldServer server;
            try {
                server = HeraldServer.start(config, Clock.systemUTC());
            } catch (ServerConfig.Invalid e) {
                System.err.println("herald: " + e.getMessage());
                return 2;
            } catch (Keyring.Unusable e) {
                // A key that cannot open what is stored: say which, without a stack trace.
                System.err.println("herald: cannot open the stored secrets: " + e.getMessage());
                System.err.println("herald: start with the keys that encrypted them (HERALD_SECRET_KEY, HERALD_SECRET_KEY_FILE "
                        + "or the key file in the data directory); see docs/security.md");
                return 2;
            }
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                server.close();
                stopped.countDown();
            }, "herald-shutdown"));
            stopped.await();
            return 0;
        }
    }

    @Command(name = "backup", mixinStandardHelpOptions = true, description = {
            "Write a consistent copy of Herald's SQLite database to FILE while Herald keeps running (VACUUM INTO: one "
                    + "snapshot, neither waiting for writers nor holding them up). FILE must not exist; it appears only "
                    + "once whole and checked.",
            "The copy holds endpoint secrets encrypted: keep the key file (or HERALD_SECRET_KEY) too, apart from it. "
                    + "Restore: stop Herald, put the copy in place of herald.db (removing herald.db-wal and -shm), start. "
                    + "On PostgreSQL use pg_dump (docs/operations.md).",
            "Exit status: 0 when the copy is written, 2 when it cannot be."})
    static final class Backup implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE", description = "where to write the copy (a new file)")
        Path file;
        @Spec
        CommandSpec spec;
        /** The environment the settings are read from; tests give their own. */
        Map<String, String> environment = System.getenv();

        @Override
        public Integer call() {
            Map<String, String> env = environment(spec, environment);
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            try {
                if (env.getOrDefault("HERALD_DATABASE_URL", "").strip().startsWith("jdbc:postgresql:")) {
                    // Said before the settings ask for a key that a copy does not need.
                    err.println("herald: " + SqliteBackup.ON_POSTGRESQL);
                    return 2;
                }
                ServerConfig config = ServerConfig.fromEnv(env);
                SqliteBackup.Copy copy = SqliteBackup.copy(config.jdbcUrl(), file);
                out.println("backup written: " + copy.file() + " (" + copy.bytes() + " bytes; " + copy.messages()
                        + " messages, " + copy.attempts() + " attempts)");
                if (config.secretKey() == null) {
                    out.println("endpoint secrets in it open only with the key file " + config.keyFile().toAbsolutePath()
                            + ": back that up too, kept apart (docs/security.md)");
                }
                return 0;
            } catch (ServerConfig.Invalid | SqliteBackup.Refused e) {
                err.println("herald: " + e.getMessage());
                return 2;
            }
        }
    }

    @Command(name = "secrets", mixinStandardHelpOptions = true, subcommands = {NewKey.class, Rekey.class},
            description = "The keys that encrypt endpoint secrets and custom headers at rest (docs/security.md).")
    static final class SecretsCommand implements Runnable {
        @Override
        public void run() {
            new CommandLine(this).usage(System.out);
        }
    }

    @Command(name = "new-key", mixinStandardHelpOptions = true,
            description = "Print a new key, <id>:<base64 of 32 bytes>, to put first in HERALD_SECRET_KEY or the key file.")
    static final class NewKey implements Callable<Integer> {
        @Override
        public Integer call() {
            System.out.println(Keyring.newKey(Clock.systemUTC()));
            return 0;
        }
    }

    @Command(name = "rekey", mixinStandardHelpOptions = true, description = {
            "Encrypt every endpoint secret and custom header again with the newest key (the first of HERALD_SECRET_KEY or "
                    + "the key file), in batches, each in its own transaction, beside running nodes.",
            "Give every node the new key first (and restart them), then run this; afterwards the older keys may go.",
            "Exit status: 0 when every value is under the newest key, 1 when some are not (a node wrote them with an older "
                    + "key meanwhile), 2 when a setting or a key cannot be used."})
    static final class Rekey implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Option(names = "--batch", description = "endpoints per transaction (default ${DEFAULT-VALUE})")
        int batch = SecretsAtRest.DEFAULT_BATCH;
        /** The environment the settings are read from; tests give their own. */
        Map<String, String> environment = System.getenv();

        @Override
        public Integer call() {
            Map<String, String> env = environment(spec, environment);
            if (batch < 1 || batch > 10_000) {
                System.err.println("herald: --batch must be between 1 and 10000");
                return 2;
            }
            Keyring keyring;
            ServerConfig config;
            try {
                config = ServerConfig.fromEnv(env);
                keyring = config.existingKeyring();
            } catch (ServerConfig.Invalid e) {
                System.err.println("herald: " + e.getMessage());
                return 2;
            }
            try (Store store = Store.open(config.jdbcUrl(), new StoreSettings(4, 1))) {
                SecretsAtRest.Report r = SecretsAtRest.reencrypt(store, keyring, batch, System.out::println);
                int left = r.notUnder(keyring.currentId());
                if (left > 0) {
                    System.err.println("herald: " + left + " values are still not encrypted with key '" + keyring.currentId()
                            + "': a node wrote them meanwhile with an older key as its newest. Give every node the new key"
                            + " first, then run rekey again.");
                    return 1;
                }
                List<String> older = keyring.ids().subList(1, keyring.ids().size());
                System.out.println("every endpoint secret and custom header is encrypted with key '" + keyring.currentId() + "'"
                        + (older.isEmpty() ? "" : "; the older keys (" + String.join(", ", older)
                        + ") are needed only to open backups made before now"));
                return 0;
            } catch (Keyring.Unusable e) {
                System.err.println("herald: " + e.getMessage());
                return 2;
            }
        }
    }
}
