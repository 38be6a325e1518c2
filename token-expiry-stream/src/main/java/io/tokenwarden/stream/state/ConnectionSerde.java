package io.tokenwarden.stream.state;

import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.schema.SealedCredentials;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A compact binary serde for {@link Connection}, the value of the connections store and its changelog. The
 * first byte is a format version, so the layout can evolve; a reader rejects versions it does not know with a
 * {@link SerializationException}, and so does it any malformed record. Writing never fails for a connection the
 * stream's validation accepted: strings carry a four-byte length (see {@link StateBytes}).
 *
 * <p>Versions 1 and 2 (written before the state held facts instead of a state label) are still read: existing
 * deployments have them in their changelogs. Their label and failure code become the matching facts, and an
 * outstanding command is taken as issued when its generation started, with a {@link TimerKind#COMMAND_TIMEOUT}
 * due then, so that the new deadline applies to it at once.
 */
public final class ConnectionSerde implements Serde<Connection> {

  /** Facts instead of a state label; strings with four-byte lengths. */
  private static final byte VERSION = 3;
  /** A state label and one failure code; DataOutput's two-byte string lengths. */
  private static final byte VERSION_2 = 2;
  /** As version 2, without {@code SealedCredentials.hasRefreshToken}; it reads as false. */
  private static final byte VERSION_1 = 1;

  @Override
  public Serializer<Connection> serializer() {
    return (topic, c) -> c == null ? null : encode(c);
  }

  @Override
  public Deserializer<Connection> deserializer() {
    return (topic, bytes) -> bytes == null ? null : decode(bytes);
  }

  public static byte[] encode(Connection c) {
    StateBytes.Writer out = new StateBytes.Writer(512);
    out.writeByte(VERSION);
    out.writeString(c.connectionId());
    writeNullable(out, c.tenantId());
    out.writeString(c.provider());
    out.writeString(c.accountId());
    out.writeLong(c.generation());
    out.writeLong(c.generationStartedAt());
    out.writeString(c.credentials().getKeyId());
    ByteBuffer ciphertext = c.credentials().getCiphertext().duplicate();
    byte[] raw = new byte[ciphertext.remaining()];
    ciphertext.get(raw);
    out.writeInt(raw.length);
    out.write(raw);
    out.writeBoolean(c.credentials().getHasRefreshToken());
    writeNullable(out, c.expiresAt());
    writeNullable(out, c.refreshTokenExpiresAt());
    writeNullable(out, c.lastRefreshedAt());
    writeNullable(out, c.revocation());
    writeNullable(out, c.permanentFailure());
    writeNullable(out, c.transientFailure());
    out.writeInt(c.attempt());
    writeNullable(out, c.outstandingCommandId());
    writeNullable(out, c.commandIssuedAt());
    writeNullable(out, c.lastAttemptAt());
    writeNullable(out, c.refreshingSince());
    writeNullable(out, c.retryAt());
    out.writeInt(c.fired());
    out.writeInt(c.refreshTokenFired());
    out.writeInt(c.recentEventIds().size());
    for (String id : c.recentEventIds()) {
      out.writeString(id);
    }
    out.writeInt(c.timers().size());
    for (Timer t : c.timers()) {
      out.writeByte(t.kind().code());
      out.writeLong(t.due());
    }
    return out.toByteArray();
  }

  public static Connection decode(byte[] bytes) {
    try {
      StateBytes.Reader in = new StateBytes.Reader(bytes);
      byte version = in.readByte();
      Connection c = switch (version) {
        case VERSION -> decodeCurrent(in);
        case VERSION_2, VERSION_1 -> decodeLabelled(in, version);
        default -> throw new SerializationException("unknown connection state format version " + version);
      };
      if (!in.atEnd()) {
        throw new SerializationException("cannot decode connection state: bytes left after the record");
      }
      return c;
    } catch (SerializationException e) {
      throw e;
    } catch (IOException | RuntimeException e) {
      throw new SerializationException("cannot decode connection state: " + e.getMessage(), e);
    }
  }

  /** How one layout reads a string. */
  @FunctionalInterface
  private interface Strings {
    String read(StateBytes.Reader in) throws IOException;
  }

  /** The fields every layout starts with, in the same order: identity, generation, credentials, times. */
  private static Connection.Builder readHead(StateBytes.Reader in, Strings strings, boolean hasRefreshTokenFlag)
      throws IOException {
    Connection.Builder b = new Connection.Builder();
    b.connectionId = strings.read(in);
    b.tenantId = in.readBoolean() ? strings.read(in) : null;
    b.provider = strings.read(in);
    b.accountId = strings.read(in);
    b.generation = in.readLong();
    b.generationStartedAt = in.readLong();
    String keyId = strings.read(in);
    byte[] ciphertext = in.readBytes(in.readInt());
    boolean hasRefreshToken = hasRefreshTokenFlag && in.readBoolean();
    b.credentials = new SealedCredentials(keyId, ByteBuffer.wrap(ciphertext), hasRefreshToken);
    b.expiresAt = readNullableLong(in);
    b.refreshTokenExpiresAt = readNullableLong(in);
    b.lastRefreshedAt = readNullableLong(in);
    return b;
  }

  private static Connection decodeCurrent(StateBytes.Reader in) throws IOException {
    Connection.Builder b = readHead(in, StateBytes.Reader::readString, true);
    b.revocation = readNullableString(in);
    b.permanentFailure = readNullableString(in);
    b.transientFailure = readNullableString(in);
    b.attempt = in.readInt();
    b.outstandingCommandId = readNullableString(in);
    b.commandIssuedAt = readNullableLong(in);
    b.lastAttemptAt = readNullableLong(in);
    b.refreshingSince = readNullableLong(in);
    b.retryAt = readNullableLong(in);
    b.fired = in.readInt();
    b.refreshTokenFired = in.readInt();
    int ids = count(in, in.readInt());
    List<String> recent = new ArrayList<>(ids);
    for (int i = 0; i < ids; i++) {
      recent.add(in.readString());
    }
    b.recentEventIds = recent;
    b.timers = readTimers(in, count(in, in.readInt()));
    return b.build();
  }

  /** Versions 1 and 2: a state label and one failure code, which become facts. */
  private static Connection decodeLabelled(StateBytes.Reader in, byte version) throws IOException {
    Connection.Builder b = readHead(in, StateBytes.Reader::readUTF, version >= VERSION_2);
    int ordinal = in.readByte();
    if (ordinal < 0 || ordinal >= ConnectionState.values().length) {
      throw new SerializationException("cannot decode connection state: unknown state " + ordinal);
    }
    ConnectionState state = ConnectionState.values()[ordinal];
    String failure = in.readBoolean() ? in.readUTF() : null;
    b.attempt = in.readInt();
    b.outstandingCommandId = in.readBoolean() ? in.readUTF() : null;
    b.retryAt = readNullableLong(in);
    b.fired = in.readInt();
    b.refreshTokenFired = in.readInt();
    int ids = count(in, in.readShort());
    List<String> recent = new ArrayList<>(ids);
    for (int i = 0; i < ids; i++) {
      recent.add(in.readUTF());
    }
    b.recentEventIds = recent;
    b.timers = readTimers(in, count(in, in.readShort()));
    boolean retrying = b.retryAt != null || b.outstandingCommandId != null;
    if (state == ConnectionState.REVOKED) {
      b.revocation = failure != null ? failure : "revoked";
    } else if (state == ConnectionState.NEEDS_RECONNECT) {
      b.permanentFailure = failure != null ? failure : "unknown";
    } else if (failure != null) {
      // A transient failure always scheduled a retry; a failure code with none pending was permanent, and then
      // the label moved on to EXPIRED.
      boolean transientFailure = retrying || state == ConnectionState.DEGRADED || state == ConnectionState.REFRESHING
          || state == ConnectionState.EXPIRING;
      if (transientFailure) {
        b.transientFailure = failure;
      } else {
        b.permanentFailure = failure;
      }
    }
    if (b.outstandingCommandId != null) {
      b.commandIssuedAt = b.generationStartedAt;
      b.lastAttemptAt = b.generationStartedAt;
      b.timers.add(new Timer(TimerKind.COMMAND_TIMEOUT, b.generationStartedAt));
    }
    b.refreshingSince = retrying && b.revocation == null ? b.generationStartedAt : null;
    return b.build();
  }

  private static List<Timer> readTimers(StateBytes.Reader in, int count) throws IOException {
    List<Timer> timers = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      timers.add(new Timer(TimerKind.fromCode(in.readByte()), in.readLong()));
    }
    return timers;
  }

  /**
   * A count read from the record. Every entry takes at least a byte, so a count larger than the bytes left is
   * garbage; checking it first keeps a corrupt record from allocating gigabytes.
   */
  private static int count(StateBytes.Reader in, int n) {
    if (n < 0 || n > in.remaining()) {
      throw new SerializationException("cannot decode connection state: a count of " + n + " with "
          + in.remaining() + " bytes left");
    }
    return n;
  }

  private static void writeNullable(StateBytes.Writer out, String value) {
    out.writeBoolean(value != null);
    if (value != null) {
      out.writeString(value);
    }
  }

  private static void writeNullable(StateBytes.Writer out, Long value) {
    out.writeBoolean(value != null);
    if (value != null) {
      out.writeLong(value);
    }
  }

  private static String readNullableString(StateBytes.Reader in) throws IOException {
    return in.readBoolean() ? in.readString() : null;
  }

  private static Long readNullableLong(StateBytes.Reader in) throws IOException {
    return in.readBoolean() ? in.readLong() : null;
  }
}
