package io.herald.secret;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A keyring kept in a file: read when it exists, created with one new key (owner read and write
 * only, 0600) when it does not. The file holds what {@link Keyring#parse} reads, newest key first.
 */
public final class KeyFile {
    private static final Logger log = LoggerFactory.getLogger(KeyFile.class);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");

    private KeyFile() {}

    /** Reads {@code file}; creates it first, with a new key, when it does not exist. */
    public static Keyring loadOrCreate(Path file, Clock clock) {
        if (!Files.exists(file)) {
            try {
                create(file, clock);
            } catch (FileAlreadyExistsException raced) {
                // Another process created it meanwhile: read theirs.
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the secret key file " + file + ": " + e.getMessage(), e);
            }
        }
        return load(file);
    }

    /** Reads {@code file}, which must exist. */
    public static Keyring load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the secret key file " + file + ": " + e.getMessage(), e);
        }
        warnIfShared(file);
        return Keyring.parse("the key file " + file.toAbsolutePath(), text);
    }

    private static void create(Path file, Clock clock) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (dir != null) {
            Files.createDirectories(dir);
        }
        boolean posix = Files.getFileStore(dir == null ? file.toAbsolutePath() : dir).supportsFileAttributeView("posix");
        // Created with its final permissions, so the key is never readable by others, not even for a moment.
        Path created = posix ? Files.createFile(file, PosixFilePermissions.asFileAttribute(OWNER_ONLY)) : Files.createFile(file);
        Files.writeString(created, """
                # Herald's secret keys: the first line's key encrypts, every key here decrypts.
                # Back this file up, apart from the database: without it, endpoint secrets and
                # custom header values stored in the database cannot be read.
                """ + Keyring.newKey(clock) + "\n", StandardCharsets.UTF_8);
        log.warn("""

                ************************************************************************
                Herald created a new secret key in {}
                It encrypts endpoint signing secrets and custom header values in the
                database. BACK IT UP NOW, and keep it apart from database backups:
                without it, those secrets cannot be read. See docs/security.md.
                ************************************************************************""", file.toAbsolutePath());
    }

    private static void warnIfShared(Path file) {
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
                log.warn("the secret key file {} is readable by others than its owner ({}); chmod 600 it",
                        file.toAbsolutePath(), PosixFilePermissions.toString(perms));
            }
        } catch (UnsupportedOperationException | IOException e) {
            // Not a POSIX file system: nothing to check.
        }
    }
}
