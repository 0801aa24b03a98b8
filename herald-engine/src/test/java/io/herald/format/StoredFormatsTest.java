package io.herald.format;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StoredFormatsTest {

    @Test
    void stored_sameText_returnsTheCachedInstance() {
        String spec = "{\"type\":\"slack\",\"titleField\":\"cached\"}";

        assertThat(Format.stored(spec)).isSameAs(Format.stored(spec));
    }

    @Test
    void stored_moreDistinctSpecsThanCapacity_staysBoundedAndEvictsTheLeastRecentlyUsed() {
        String first = "{\"type\":\"slack\",\"titleField\":\"first\"}";
        Format cachedFirst = Format.stored(first);
        for (int i = 0; i < StoredFormats.CAPACITY; i++) {
            Format.stored("{\"type\":\"slack\",\"titleField\":\"t" + i + "\"}");
        }

        assertThat(StoredFormats.size()).isEqualTo(StoredFormats.CAPACITY);
        Format reparsed = Format.stored(first);
        assertThat(reparsed).isEqualTo(cachedFirst).isNotSameAs(cachedFirst);
    }

    @Test
    void stored_recentlyUsedSpec_survivesEviction() {
        String kept = "{\"type\":\"slack\",\"titleField\":\"kept\"}";
        Format cachedKept = Format.stored(kept);
        for (int i = 0; i < StoredFormats.CAPACITY * 2; i++) {
            Format.stored("{\"type\":\"slack\",\"titleField\":\"u" + i + "\"}");
            Format.stored(kept); // keeps it the most recently used
        }

        assertThat(Format.stored(kept)).isSameAs(cachedKept);
    }
}
