package io.tokenwarden.stream.state;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Deterministic ids for what the stream emits. Output replayed after a crash under exactly-once, or
 * recomputed after a restore, carries the same id, so consumers can drop duplicates.
 */
public final class EventIds {

  private EventIds() {}

  /** The id of an expiry event: from connection id, generation and kind. */
  public static String expiryEvent(String connectionId, long generation, String kind) {
    return uuid(connectionId + "|" + generation + "|" + kind);
  }

  /** The id of a refresh command: from connection id, generation and attempt within the generation. */
  public static String command(String connectionId, long generation, int attempt) {
    return uuid(connectionId + "|" + generation + "|command|" + attempt);
  }

  /** A fixed-size stand-in for an over-long id: the same id always gives the same stand-in. */
  public static String digest(String id) {
    return uuid("digest|" + id);
  }

  /**
   * A fraction in [0, 1) derived from the inputs only, for jitter that is the same on every replay.
   */
  public static double fraction(String connectionId, long generation, String purpose) {
    long bits = UUID.nameUUIDFromBytes((connectionId + "|" + generation + "|" + purpose)
        .getBytes(StandardCharsets.UTF_8)).getMostSignificantBits();
    return (bits >>> 11) / (double) (1L << 53);
  }

  private static String uuid(String name) {
    return UUID.nameUUIDFromBytes(name.getBytes(StandardCharsets.UTF_8)).toString();
  }
}
