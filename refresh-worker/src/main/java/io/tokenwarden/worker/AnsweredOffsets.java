package io.tokenwarden.worker;

import java.util.Base64;
import java.util.BitSet;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The offset commit's metadata: which commands above the committed offset were already answered. The committed
 * offset stops at the first unfinished command; the ones finished beyond it are published at once, and this
 * records them so that the next owner of the partition skips them instead of calling the provider again with a
 * spent refresh token (the technique of Confluent's parallel-consumer).
 *
 * <p>Encoding: {@code tw1:<committed>:<bits>}, where {@code bits} is the URL-safe Base64 (no padding) of a bit
 * set whose bit {@code i} stands for offset {@code committed + 1 + i} (the committed offset itself is unfinished
 * by definition). The committed offset is repeated so that metadata never applies to another offset (an offset
 * reset by hand keeps no metadata anyway).
 *
 * <p>Bounds: the worker never holds an answered offset more than {@link #MAX_SPAN} offsets above the committed
 * one (it stops fetching the partition there until the first unfinished command is done), so the encoding is at
 * most {@value #MAX_LENGTH} characters, below the broker's {@code offset.metadata.max.bytes} (default 4096).
 */
final class AnsweredOffsets {

  /** Most offsets above the committed one that the metadata can describe. */
  static final int MAX_SPAN = 16_384;
  /** Longest encoding: prefix, a 19-digit offset, and {@code MAX_SPAN / 8} bytes in Base64. */
  static final int MAX_LENGTH = 4 + 19 + 1 + (MAX_SPAN / 8 * 4 + 2) / 3;

  private static final String PREFIX = "tw1:";

  private AnsweredOffsets() {}

  /**
   * The metadata for {@code committed}, listing the {@code answered} offsets above it (offsets at or below it
   * are ignored). Empty text when there are none. Offsets more than {@link #MAX_SPAN} above {@code committed}
   * are left out: they would be handled again after a crash (the worker does not let that happen, see the class
   * comment).
   */
  static String encode(long committed, NavigableSet<Long> answered) {
    NavigableSet<Long> above = answered.subSet(committed, false, committed + MAX_SPAN, true);
    if (above.isEmpty()) {
      return "";
    }
    BitSet bits = new BitSet();
    for (long offset : above) {
      bits.set((int) (offset - committed - 1));
    }
    return PREFIX + committed + ":" + Base64.getUrlEncoder().withoutPadding().encodeToString(bits.toByteArray());
  }

  /**
   * The answered offsets that {@code metadata} lists above {@code committed}; empty for empty, foreign or
   * malformed metadata, or metadata written for another offset: then the commands are handled again, which is
   * what a worker without this metadata would do.
   */
  static NavigableSet<Long> decode(long committed, String metadata) {
    return parse(committed, metadata).orElseGet(TreeSet::new);
  }

  private static Optional<NavigableSet<Long>> parse(long committed, String metadata) {
    if (metadata == null || !metadata.startsWith(PREFIX) || metadata.length() > MAX_LENGTH) {
      return Optional.empty();
    }
    int colon = metadata.indexOf(':', PREFIX.length());
    if (colon < 0) {
      return Optional.empty();
    }
    try {
      if (Long.parseLong(metadata.substring(PREFIX.length(), colon)) != committed) {
        return Optional.empty();
      }
      BitSet bits = BitSet.valueOf(Base64.getUrlDecoder().decode(metadata.substring(colon + 1)));
      NavigableSet<Long> answered = new TreeSet<>();
      for (int i = bits.nextSetBit(0); i >= 0 && i < MAX_SPAN; i = bits.nextSetBit(i + 1)) {
        answered.add(committed + 1 + i);
      }
      return Optional.of(answered);
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }
}
