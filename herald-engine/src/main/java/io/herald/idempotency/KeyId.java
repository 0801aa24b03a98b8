package io.herald.idempotency;

/** A key as the table holds it: the caller's key within one credential. */
record KeyId(String credentialHash, String key) {}
