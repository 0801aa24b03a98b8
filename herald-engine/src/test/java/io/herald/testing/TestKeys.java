package io.herald.testing;

import io.herald.secret.Keyring;

/** A fixed secret key for tests that do not test keys: the same on every start, so restarts read their data. */
public final class TestKeys {
    /** As HERALD_SECRET_KEY takes it. */
    public static final String TEXT = "test-1:" + "dGVzdCBrZXkgb2YgMzIgYnl0ZXMsIG5vdCBzZWNyZXQ=";
    public static final Keyring KEYRING = Keyring.parse("the tests' key", TEXT);

    private TestKeys() {}
}
