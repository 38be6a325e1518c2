package io.tokenwarden.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.NavigableSet;
import java.util.Random;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The offset commit's metadata: round trips, bounds, and metadata that must not be trusted. */
class AnsweredOffsetsTest {

  private static NavigableSet<Long> set(Long... offsets) {
    return new TreeSet<>(List.of(offsets));
  }

  @Test
  void answered_offsets_above_the_committed_one_round_trip() {
    NavigableSet<Long> answered = set(101L, 102L, 107L, 150L);
    String metadata = AnsweredOffsets.encode(100, answered);
    assertThat(metadata).startsWith("tw1:100:");
    assertThat(AnsweredOffsets.decode(100, metadata)).containsExactly(101L, 102L, 107L, 150L);
  }

  @Test
  void offsets_at_or_below_the_committed_one_are_not_encoded() {
    String metadata = AnsweredOffsets.encode(100, set(90L, 100L, 103L));
    assertThat(AnsweredOffsets.decode(100, metadata)).containsExactly(103L);
    assertThat(AnsweredOffsets.encode(100, set(90L, 100L))).isEmpty();
    assertThat(AnsweredOffsets.encode(100, set())).isEmpty();
  }

  @Test
  void the_full_span_fits_the_brokers_default_metadata_limit_and_beyond_it_is_left_out() {
    long committed = 9_000_000_000L;
    NavigableSet<Long> answered = new TreeSet<>();
    for (long o = committed + 1; o <= committed + AnsweredOffsets.MAX_SPAN + 100; o++) {
      answered.add(o);
    }
    String metadata = AnsweredOffsets.encode(committed, answered);
    // offset.metadata.max.bytes defaults to 4096
    assertThat(metadata.length()).isLessThanOrEqualTo(AnsweredOffsets.MAX_LENGTH).isLessThan(4096);
    NavigableSet<Long> decoded = AnsweredOffsets.decode(committed, metadata);
    assertThat(decoded).hasSize(AnsweredOffsets.MAX_SPAN);
    assertThat(decoded.first()).isEqualTo(committed + 1);
    assertThat(decoded.last()).isEqualTo(committed + AnsweredOffsets.MAX_SPAN);
  }

  @Test
  void random_sets_within_the_span_round_trip_and_stay_within_the_bound() {
    Random random = new Random(42);
    for (int run = 0; run < 200; run++) {
      long committed = random.nextInt(1_000_000);
      NavigableSet<Long> answered = new TreeSet<>();
      int n = random.nextInt(500);
      for (int i = 0; i < n; i++) {
        answered.add(committed + 1 + random.nextInt(AnsweredOffsets.MAX_SPAN));
      }
      String metadata = AnsweredOffsets.encode(committed, answered);
      assertThat(metadata.length()).isLessThanOrEqualTo(AnsweredOffsets.MAX_LENGTH);
      assertThat(AnsweredOffsets.decode(committed, metadata)).isEqualTo(answered);
    }
  }

  @Test
  void metadata_for_another_offset_or_not_ours_is_ignored() {
    String metadata = AnsweredOffsets.encode(100, set(101L, 105L));
    assertThat(AnsweredOffsets.decode(99, metadata)).isEmpty();
    assertThat(AnsweredOffsets.decode(100, "")).isEmpty();
    assertThat(AnsweredOffsets.decode(100, null)).isEmpty();
    assertThat(AnsweredOffsets.decode(100, "some other tool's metadata")).isEmpty();
    assertThat(AnsweredOffsets.decode(100, "tw1:100:***not base64***")).isEmpty();
    assertThat(AnsweredOffsets.decode(100, "tw1:abc:AQ")).isEmpty();
    assertThat(AnsweredOffsets.decode(100, "tw1:100:" + "A".repeat(AnsweredOffsets.MAX_LENGTH))).isEmpty();
  }
}
