package io.herald.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** One source of configuration: ServerConfig.SETTINGS makes the flags and --help, and the README lists the same. */
class SettingsTest {
    @Test
    void serveHelp_listsEverySetting_withItsVariableDefaultAndBounds_secretsAsEnvironmentOnly() {
        StringWriter out = new StringWriter();
        int status = Main.commandLine().setOut(new PrintWriter(out, true)).execute("serve", "--help");
        // Without white space: picocli wraps long lines wherever.
        String help = out.toString().replaceAll("\\s+", "");
        assertThat(status).isZero();
        for (Setting<?> s : ServerConfig.SETTINGS) {
            assertThat(help).contains((s.variable() + ":" + s.description()).replaceAll("\\s+", ""));
            assertThat(help).contains(("default " + s.defaultText()).replaceAll("\\s+", ""));
            if (s.secret()) {
                assertThat(help).doesNotContain(s.flag() + "=");
            } else {
                assertThat(help).contains(s.flag() + "=<value>");
            }
        }
        assertThat(help).contains("HERALD_LEASE_SECONDS:howlonganodeholdsaclaimeddeliverybeforeanothermaytakeit(default90;40–3600s)");
        assertThat(help).contains("Readfromtheenvironmentonly(secrets):HERALD_SECRET_KEY:");
    }

    @Test
    void aFlag_winsOverItsVariable() {
        CommandLine cl = Main.commandLine();
        CommandLine.ParseResult parsed = cl.parseArgs("serve", "--lease-seconds", "120", "--https-only", "false");
        Map<String, String> env = Main.environment(parsed.subcommand().commandSpec(),
                Map.of("HERALD_LEASE_SECONDS", "60", "HERALD_PORT", "9000"));
        ServerConfig c = ServerConfig.fromEnv(env);
        assertThat(c.lease().toSeconds()).isEqualTo(120);
        assertThat(c.httpsOnly()).isFalse();
        assertThat(c.port()).as("unflagged: the environment's").isEqualTo(9000);
    }

    @Test
    void readmeSettingsTable_listsExactlyTheServersSettings() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        Matcher m = Pattern.compile("(?m)^\\| `(HERALD_[A-Z_]+)` \\|").matcher(readme);
        Set<String> listed = new java.util.TreeSet<>();
        while (m.find()) {
            listed.add(m.group(1));
        }
        Set<String> declared = ServerConfig.SETTINGS.stream().map(Setting::variable).collect(Collectors.toCollection(java.util.TreeSet::new));
        assertThat(listed).isEqualTo(declared);
    }

    @Test
    void flags_areTheVariablesWithoutPrefix() {
        assertThat(ServerConfig.LEASE.flag()).isEqualTo("--lease-seconds");
        assertThat(ServerConfig.DATABASE_URL.flag()).isEqualTo("--database-url");
        assertThat(ServerConfig.SETTINGS.stream().map(Setting::flag).distinct().count()).isEqualTo(ServerConfig.SETTINGS.size());
    }
}
