package io.herald.format;

import io.herald.BudgetExceeded;
import java.io.Writer;
import java.util.Iterator;

/**
 * What one rendering of a template may cost: the characters it writes, and its steps: the section
 * iterations it runs (nested sections over lists multiply: three over a list of 200 are 8 million)
 * and the variables it writes. Also the
 * writer the template renders into, so that output past the cap is never held. Work stops with
 * {@link BudgetExceeded} at the first step over either cap, or when the thread is interrupted (the
 * time limit of {@link io.herald.TenantWork}).
 */
final class RenderBudget extends Writer {
    private final int maxChars;
    private final long maxSteps;
    private final StringBuilder out = new StringBuilder(256);
    private long steps;

    RenderBudget(int maxChars, long maxSteps) {
        this.maxChars = maxChars;
        this.maxSteps = maxSteps;
    }

    String text() {
        return out.toString();
    }

    /** {@code it}, counting each element taken from it as a step. */
    <T> Iterator<T> counting(Iterator<T> it) {
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public T next() {
                step();
                return it.next();
            }
        };
    }

    /** One step: a section iteration, or a variable written. */
    void step() {
        if (++steps > maxSteps) {
            throw new BudgetExceeded("the template took more than " + maxSteps + " steps (section iterations and variables) "
                    + "and was stopped");
        }
        if (Thread.currentThread().isInterrupted()) {
            throw new BudgetExceeded("the template's rendering ran out of time and was stopped");
        }
    }

    private void room(int len) {
        if (out.length() + (long) len > maxChars) {
            throw new BudgetExceeded("the template's output would exceed " + maxChars + " characters and was stopped");
        }
        if (Thread.currentThread().isInterrupted()) {
            throw new BudgetExceeded("the template's rendering ran out of time and was stopped");
        }
    }

    @Override
    public void write(char[] cbuf, int off, int len) {
        room(len);
        out.append(cbuf, off, len);
    }

    @Override
    public void write(String str, int off, int len) {
        room(len);
        out.append(str, off, off + len);
    }

    @Override
    public void write(int c) {
        room(1);
        out.append((char) c);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
}
