package io.herald.secret;

import org.jdbi.v3.core.config.Configurable;
import org.jdbi.v3.core.config.JdbiConfig;
import org.jdbi.v3.core.statement.StatementContext;

/**
 * The keyring of a database, carried by its jdbi handles, so that a row mapper or a static query
 * helper opens sealed columns with the keys of the database it reads (several engines with
 * different keys may run in one JVM, as tests do).
 */
public final class KeyringConfig implements JdbiConfig<KeyringConfig> {
    private Keyring keyring;

    public KeyringConfig() {}

    private KeyringConfig(KeyringConfig other) {
        this.keyring = other.keyring;
    }

    public KeyringConfig use(Keyring k) {
        this.keyring = k;
        return this;
    }

    /** The keyring of {@code h}'s database; throws when none was installed. */
    public static Keyring of(Configurable<?> h) {
        return h.getConfig(KeyringConfig.class).require();
    }

    /**
     * As {@link #of(Configurable)}, for a row mapper; {@code ctx} is null when the mapper runs
     * outside jdbi (see {@code store.Prepared}), and then the caller passes the keyring itself.
     */
    public static Keyring of(StatementContext ctx) {
        return ctx.getConfig(KeyringConfig.class).require();
    }

    private Keyring require() {
        if (keyring == null) {
            throw new IllegalStateException("no keyring is installed on this store: open it through Herald, which installs one");
        }
        return keyring;
    }

    @Override
    public KeyringConfig createCopy() {
        return new KeyringConfig(this);
    }
}
