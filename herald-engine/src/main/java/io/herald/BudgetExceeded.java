package io.herald;

/**
 * Tenant-written work (a template, a payload filter, a schema check) went over its budget in size,
 * steps or time, and was stopped. The message says which budget and by how much, for the attempt's
 * error or the API's problem document; it never carries the tenant's data.
 */
public final class BudgetExceeded extends RuntimeException {
    public BudgetExceeded(String message) {
        super(message, null, false, false); // thrown to stop work: the stack says nothing useful
    }
}
