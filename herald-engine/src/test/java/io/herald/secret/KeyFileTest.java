package io.herald.secret;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeyFileTest {
    @TempDir
    Path dir;

    @Test
    void loadOrCreate_missingFile_isCreatedOwnerOnly_andReadTheSameNextTime() throws Exception {
        Path file = dir.resolve("data/herald.key");
        Keyring first = KeyFile.loadOrCreate(file, Clock.systemUTC());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        Keyring again = KeyFile.loadOrCreate(file, Clock.systemUTC());
        assertThat(again.ids()).isEqualTo(first.ids());
        assertThat(again.open(first.seal("v", "p"), "p")).isEqualTo("v");
        assertThat(first.source()).contains(file.toAbsolutePath().toString());
    }

    @Test
    void load_malformedFile_namesTheFile() throws Exception {
        Path file = dir.resolve("bad.key");
        Files.writeString(file, "not a key\n");
        assertThatThrownBy(() -> KeyFile.load(file)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toAbsolutePath().toString());
    }
}
