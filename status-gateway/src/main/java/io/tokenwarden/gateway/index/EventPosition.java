package io.tokenwarden.gateway.index;

import java.util.Arrays;
import java.util.Optional;

/**
 * The id of an event on the stream: for each partition of {@code connections.status}, the offset below which
 * every record is reflected in what the client has received, prefixed with the topic's epoch (from its topic
 * id, so that ids from a deleted and re-created topic are not mistaken for positions in the new one).
 *
 * <p>Every replica reads the same partitions in the same order, so an id means the same on every replica: a
 * client may resume on any of them. Written as {@code <epoch>-<base 36 offset>.<base 36 offset>...}.
 */
public record EventPosition(String epoch, long[] offsets) {

  /** Longest id accepted from a client ({@code Last-Event-ID} or {@code lastEventId}). */
  public static final int MAX_LENGTH = 600;

  /** The text form, as sent in {@code id:}. */
  public String text() {
    StringBuilder b = new StringBuilder(epoch.length() + offsets.length * 6).append(epoch).append('-');
    for (int i = 0; i < offsets.length; i++) {
      if (i > 0) {
        b.append('.');
      }
      b.append(Long.toString(offsets[i], 36));
    }
    return b.toString();
  }

  /** Whether every offset here is at least the one in {@code other}. */
  public boolean covers(long[] other) {
    for (int i = 0; i < offsets.length; i++) {
      if (offsets[i] < other[i]) {
        return false;
      }
    }
    return true;
  }

  /** The element-wise maximum with {@code other} (same length). */
  public EventPosition max(long[] other) {
    long[] m = offsets.clone();
    for (int i = 0; i < m.length; i++) {
      m[i] = Math.max(m[i], other[i]);
    }
    return new EventPosition(epoch, m);
  }

  /**
   * Parses a client's id; empty when it is malformed, too long, or of another topic epoch or partition count,
   * in which case the client gets a fresh snapshot.
   */
  public static Optional<long[]> parse(String text, String epoch, int partitions) {
    if (text == null || text.length() > MAX_LENGTH || !text.startsWith(epoch + "-")) {
      return Optional.empty();
    }
    String[] parts = text.substring(epoch.length() + 1).split("\\.", -1);
    if (parts.length != partitions) {
      return Optional.empty();
    }
    long[] offsets = new long[partitions];
    try {
      for (int i = 0; i < partitions; i++) {
        if (parts[i].isEmpty() || parts[i].length() > 13) {
          return Optional.empty();
        }
        offsets[i] = Long.parseLong(parts[i], 36);
        if (offsets[i] < 0) {
          return Optional.empty();
        }
      }
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
    return Optional.of(offsets);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof EventPosition p && p.epoch.equals(epoch) && Arrays.equals(p.offsets, offsets);
  }

  @Override
  public int hashCode() {
    return epoch.hashCode() * 31 + Arrays.hashCode(offsets);
  }

  @Override
  public String toString() {
    return text();
  }
}
