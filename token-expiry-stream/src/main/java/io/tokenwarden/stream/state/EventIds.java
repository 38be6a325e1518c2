package io.tokenwarden.stream.state;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.UUID;

/**
 * Deterministic ids for what the stream emits. Output replayed after a crash under exactly-once, or
 * recomputed after a restore, carries the same id, so consumers can drop duplicates.
 *
 * <p>The ids are {@link UUID#nameUUIDFromBytes} (version 3, MD5) of the inputs, computed with one MD5 digest
 * per thread: {@code nameUUIDFromBytes} looks the algorithm up in the security providers on every call, which
 * was a visible share of a fired timer's CPU.
 */
public final class EventIds {

  private static final ThreadLocal<MessageDigest> MD5 = ThreadLocal.withInitial(() -> {
    try {
      return MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new InternalError("MD5 is required of every Java platform", e);
    }
  });

  private EventIds() {}

  /** The id of an expiry event: from connection id, generation and kind. */
  public static String expiryEvent(String connectionId, long generation, String kind) {
    return uuid(connectionId + "|" + generation + "|" + kind).toString();
  }

  /** The id of a refresh command: from connection id, generation and attempt within the generation. */
  public static String command(String connectionId, long generation, int attempt) {
    return uuid(connectionId + "|" + generation + "|command|" + attempt).toString();
  }

  /** A fixed-size stand-in for an over-long id: the same id always gives the same stand-in. */
  public static String digest(String id) {
    return uuid("digest|" + id).toString();
  }

  /**
   * A fraction in [0, 1) derived from the inputs only, for jitter that is the same on every replay.
   */
  public static double fraction(String connectionId, long generation, String purpose) {
    long bits = uuid(connectionId + "|" + generation + "|" + purpose).getMostSignificantBits();
    return (bits >>> 11) / (double) (1L << 53);
  }

  /** Equal to {@code UUID.nameUUIDFromBytes(name in UTF-8)}. */
  static UUID uuid(String name) {
    byte[] md5 = MD5.get().digest(name.getBytes(StandardCharsets.UTF_8));
    md5[6] &= 0x0f;
    md5[6] |= 0x30;
    md5[8] &= 0x3f;
    md5[8] |= (byte) 0x80;
    long msb = 0;
    long lsb = 0;
    for (int i = 0; i < 8; i++) {
      msb = (msb << 8) | (md5[i] & 0xff);
    }
    for (int i = 8; i < 16; i++) {
      lsb = (lsb << 8) | (md5[i] & 0xff);
    }
    return new UUID(msb, lsb);
  }
}
