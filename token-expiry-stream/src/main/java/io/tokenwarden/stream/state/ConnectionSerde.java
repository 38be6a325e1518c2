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
 * first byte is a format version, so the layout can evolve; a reader rejects versions it does not know.
 */
public final class ConnectionSerde implements Serde<Connection> {

  private static final byte VERSION = 2;
  /** Version 1 lacked {@code SealedCredentials.hasRefreshToken}; it reads as false. */
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
    StateBytes.Writer out = new StateBytes.Writer(256);
    out.writeByte(VERSION);
    out.writeUTF(c.connectionId());
    writeNullable(out, c.tenantId());
    out.writeUTF(c.provider());
    out.writeUTF(c.accountId());
    out.writeLong(c.generation());
    out.writeLong(c.generationStartedAt());
    out.writeUTF(c.credentials().getKeyId());
    ByteBuffer ciphertext = c.credentials().getCiphertext().duplicate();
    byte[] raw = new byte[ciphertext.remaining()];
    ciphertext.get(raw);
    out.writeInt(raw.length);
    out.write(raw);
    out.writeBoolean(c.credentials().getHasRefreshToken());
    writeNullable(out, c.expiresAt());
    writeNullable(out, c.refreshTokenExpiresAt());
    writeNullable(out, c.lastRefreshedAt());
    out.writeByte(c.state().ordinal());
    writeNullable(out, c.failure());
    out.writeInt(c.attempt());
    writeNullable(out, c.outstandingCommandId());
    writeNullable(out, c.retryAt());
    out.writeInt(c.fired());
    out.writeInt(c.refreshTokenFired());
    out.writeShort(c.recentEventIds().size());
    for (String id : c.recentEventIds()) {
      out.writeUTF(id);
    }
    out.writeShort(c.timers().size());
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
      if (version != VERSION && version != VERSION_1) {
        throw new SerializationException("unknown connection state format version " + version);
      }
      Connection.Builder b = new Connection.Builder();
      b.connectionId = in.readUTF();
      b.tenantId = readNullableString(in);
      b.provider = in.readUTF();
      b.accountId = in.readUTF();
      b.generation = in.readLong();
      b.generationStartedAt = in.readLong();
      String keyId = in.readUTF();
      byte[] ciphertext = in.readBytes(in.readInt());
      boolean hasRefreshToken = version >= VERSION && in.readBoolean();
      b.credentials = new SealedCredentials(keyId, ByteBuffer.wrap(ciphertext), hasRefreshToken);
      b.expiresAt = readNullableLong(in);
      b.refreshTokenExpiresAt = readNullableLong(in);
      b.lastRefreshedAt = readNullableLong(in);
      b.state = ConnectionState.values()[in.readByte()];
      b.failure = readNullableString(in);
      b.attempt = in.readInt();
      b.outstandingCommandId = readNullableString(in);
      b.retryAt = readNullableLong(in);
      b.fired = in.readInt();
      b.refreshTokenFired = in.readInt();
      int ids = in.readShort();
      List<String> recent = new ArrayList<>(ids);
      for (int i = 0; i < ids; i++) {
        recent.add(in.readUTF());
      }
      b.recentEventIds = recent;
      int timers = in.readShort();
      List<Timer> list = new ArrayList<>(timers);
      for (int i = 0; i < timers; i++) {
        list.add(new Timer(TimerKind.fromCode(in.readByte()), in.readLong()));
      }
      b.timers = list;
      return b.build();
    } catch (IOException | RuntimeException e) {
      if (e instanceof SerializationException s) {
        throw s;
      }
      throw new SerializationException("cannot decode connection state: " + e.getMessage(), e);
    }
  }

  private static void writeNullable(StateBytes.Writer out, String value) {
    out.writeBoolean(value != null);
    if (value != null) {
      out.writeUTF(value);
    }
  }

  private static void writeNullable(StateBytes.Writer out, Long value) {
    out.writeBoolean(value != null);
    if (value != null) {
      out.writeLong(value);
    }
  }

  private static String readNullableString(StateBytes.Reader in) throws IOException {
    return in.readBoolean() ? in.readUTF() : null;
  }

  private static Long readNullableLong(StateBytes.Reader in) throws IOException {
    return in.readBoolean() ? in.readLong() : null;
  }
}
