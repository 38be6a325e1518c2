package io.tokenwarden.stream.state;

import java.io.IOException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A task's "fired-through" cursor: a position in the {@link DeadlineIndex}'s order (due, connection id, kind).
 * Every timer at or before it has fired and its output is committed, also where the connection's stored record
 * still holds the timer: an expiry or warning timer whose firing changes nothing but its fired mark is not
 * rewritten into the record, and the mark is applied whenever the record is next read. The README's
 * <em>How it works</em> gives the argument that this keeps exactly-once.
 *
 * @param due the due time of the last timer fired, clamped at 0 as in the index
 * @param connectionId its connection
 * @param kind its kind
 */
public record FiredThrough(long due, String connectionId, TimerKind kind) {

  private static final byte VERSION = 1;

  /** The position of an index entry. */
  public static FiredThrough of(DeadlineIndex.Entry entry) {
    return new FiredThrough(entry.due(), entry.connectionId(), entry.kind());
  }

  /** Whether the timer {@code t} of connection {@code connectionId} is at or before this position. */
  public boolean covers(String connectionId, Timer t) {
    long d = Math.max(0, t.due());
    if (d != due) {
      return d < due;
    }
    int c = connectionId.compareTo(this.connectionId);
    return c != 0 ? c < 0 : t.kind().compareTo(kind) <= 0;
  }

  /** The later of two positions; {@code null} is before every position. */
  public static FiredThrough later(FiredThrough a, FiredThrough b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    return a.covers(b.connectionId, new Timer(b.kind, b.due)) ? a : b;
  }

  /** The serde of the cursor store: a version byte, the due time, the kind's code, the connection id. */
  public static final class StoreSerde implements Serde<FiredThrough> {

    @Override
    public Serializer<FiredThrough> serializer() {
      return (topic, f) -> {
        if (f == null) {
          return null;
        }
        StateBytes.Writer out = new StateBytes.Writer(32 + f.connectionId.length());
        out.writeByte(VERSION);
        out.writeLong(f.due);
        out.writeByte(f.kind.code());
        out.writeString(f.connectionId);
        return out.toByteArray();
      };
    }

    @Override
    public Deserializer<FiredThrough> deserializer() {
      return (topic, bytes) -> {
        if (bytes == null) {
          return null;
        }
        try {
          StateBytes.Reader in = new StateBytes.Reader(bytes);
          byte version = in.readByte();
          if (version != VERSION) {
            throw new SerializationException("unknown fired-through cursor version " + version);
          }
          long due = in.readLong();
          TimerKind kind = TimerKind.fromCode(in.readByte());
          return new FiredThrough(due, in.readString(), kind);
        } catch (IOException | IllegalArgumentException e) {
          throw new SerializationException("malformed fired-through cursor: " + e.getMessage(), e);
        }
      };
    }
  }
}
