package io.herald.store;

import java.util.List;
import java.util.function.Function;

/**
 * One page of a list, in Svix's shape: {@code iterator} continues after the last item,
 * {@code prevIterator} goes back before the first, {@code done} says nothing follows.
 */
public record Page<T>(List<T> data, String iterator, String prevIterator, boolean done) {
    public <R> Page<R> map(Function<T, R> f) {
        return new Page<>(data.stream().map(f).toList(), iterator, prevIterator, done);
    }
}
