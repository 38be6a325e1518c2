package io.tokenwarden.stream.state;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Big-endian reads and writes in the layout of {@link java.io.DataOutput}, on a plain byte array. The state
 * serde runs twice per event and per fired timer; over {@code DataOutputStream} and a synchronized
 * {@code ByteArrayOutputStream} it was about a quarter of the stream thread's time for a fired timer.
 * Strings are DataOutput's modified UTF-8; ASCII takes a fast path, anything else goes through DataOutput
 * itself, so the bytes are the same either way.
 */
final class StateBytes {

  private StateBytes() {}

  /** A growable buffer that writes like {@link DataOutputStream}. */
  static final class Writer {
    private byte[] buf;
    private int pos;

    Writer(int capacity) {
      buf = new byte[capacity];
    }

    private void ensure(int more) {
      if (pos + more > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + more));
      }
    }

    void writeByte(int v) {
      ensure(1);
      buf[pos++] = (byte) v;
    }

    void writeBoolean(boolean v) {
      writeByte(v ? 1 : 0);
    }

    void writeShort(int v) {
      ensure(2);
      buf[pos++] = (byte) (v >>> 8);
      buf[pos++] = (byte) v;
    }

    void writeInt(int v) {
      ensure(4);
      for (int shift = 24; shift >= 0; shift -= 8) {
        buf[pos++] = (byte) (v >>> shift);
      }
    }

    void writeLong(long v) {
      ensure(8);
      for (int shift = 56; shift >= 0; shift -= 8) {
        buf[pos++] = (byte) (v >>> shift);
      }
    }

    void write(byte[] bytes) {
      ensure(bytes.length);
      System.arraycopy(bytes, 0, buf, pos, bytes.length);
      pos += bytes.length;
    }

    /** As {@link DataOutputStream#writeUTF}: a two-byte length, then modified UTF-8. */
    void writeUTF(String s) {
      int n = s.length();
      if (n <= 0xFFFF && isPlainAscii(s)) {
        ensure(2 + n);
        writeShort(n);
        for (int i = 0; i < n; i++) {
          buf[pos++] = (byte) s.charAt(i);
        }
        return;
      }
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(n * 3 + 2);
      try {
        new DataOutputStream(bytes).writeUTF(s);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      write(bytes.toByteArray());
    }

    byte[] toByteArray() {
      return Arrays.copyOf(buf, pos);
    }

    /** 1 to 127 only: modified UTF-8 writes NUL in two bytes. */
    private static boolean isPlainAscii(String s) {
      for (int i = 0; i < s.length(); i++) {
        char c = s.charAt(i);
        if (c == 0 || c >= 0x80) {
          return false;
        }
      }
      return true;
    }
  }

  /** Reads what {@link Writer} (or {@link DataOutputStream}) wrote. */
  static final class Reader {
    private final byte[] buf;
    private int pos;

    Reader(byte[] buf) {
      this.buf = buf;
    }

    private int need(int n) throws EOFException {
      if (pos + n > buf.length) {
        throw new EOFException("state record ends after " + buf.length + " bytes, " + n + " more wanted at " + pos);
      }
      int at = pos;
      pos += n;
      return at;
    }

    byte readByte() throws EOFException {
      return buf[need(1)];
    }

    boolean readBoolean() throws EOFException {
      return readByte() != 0;
    }

    short readShort() throws EOFException {
      int at = need(2);
      return (short) (((buf[at] & 0xFF) << 8) | (buf[at + 1] & 0xFF));
    }

    int readInt() throws EOFException {
      int at = need(4);
      int v = 0;
      for (int i = 0; i < 4; i++) {
        v = (v << 8) | (buf[at + i] & 0xFF);
      }
      return v;
    }

    long readLong() throws EOFException {
      int at = need(8);
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v = (v << 8) | (buf[at + i] & 0xFF);
      }
      return v;
    }

    byte[] readBytes(int n) throws EOFException {
      if (n < 0) {
        throw new EOFException("negative length " + n + " at " + pos);
      }
      int at = need(n);
      return Arrays.copyOfRange(buf, at, at + n);
    }

    /** As {@link DataInputStream#readUTF}. */
    String readUTF() throws IOException {
      int start = pos;
      int n = readShort() & 0xFFFF;
      int at = need(n);
      for (int i = at; i < at + n; i++) {
        if (buf[i] <= 0) {
          // Not plain ASCII: let DataInput decode (and validate) the modified UTF-8.
          return new DataInputStream(new ByteArrayInputStream(buf, start, 2 + n)).readUTF();
        }
      }
      return new String(buf, at, n, StandardCharsets.ISO_8859_1);
    }
  }
}
