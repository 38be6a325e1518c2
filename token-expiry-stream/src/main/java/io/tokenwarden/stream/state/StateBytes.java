package io.tokenwarden.stream.state;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UTFDataFormatException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Big-endian reads and writes in the layout of {@link java.io.DataOutput}, on a plain byte array. The state
 * serde runs twice per event and per fired timer; over {@code DataOutputStream} and a synchronized
 * {@code ByteArrayOutputStream} it was about a quarter of the stream thread's time for a fired timer.
 *
 * <p>Strings are written by {@link Writer#writeString}: a four-byte length, then the characters in DataOutput's
 * modified UTF-8 (every {@code char} on its own, so any Java string round-trips, unpaired surrogates included).
 * {@link Reader#readUTF} reads the two-byte-length strings of {@code DataOutput.writeUTF}, which the layouts
 * before version 3 used and which cannot hold more than 65,535 bytes.
 */
final class StateBytes {

  private StateBytes() {}

  /** A growable buffer that writes like {@link DataOutputStream}, strings aside. */
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

    /** A four-byte length in bytes, then modified UTF-8: no 64 KB limit, and every {@code char} survives. */
    void writeString(String s) {
      int n = s.length();
      if (n > (Integer.MAX_VALUE - 16) / 3) {
        // Far beyond any field limit and any Kafka record; a caller's bug, not a value that can arrive.
        throw new IllegalArgumentException("a string of " + n + " characters is too long for the state");
      }
      // One pass: room for the worst case (three bytes a char), the characters, then the length in front.
      ensure(4 + 3 * n);
      int lengthAt = pos;
      pos += 4;
      for (int i = 0; i < n; i++) {
        char c = s.charAt(i);
        if (c != 0 && c < 0x80) {
          buf[pos++] = (byte) c;
        } else if (c < 0x800) {
          buf[pos++] = (byte) (0xC0 | (c >> 6));
          buf[pos++] = (byte) (0x80 | (c & 0x3F));
        } else {
          buf[pos++] = (byte) (0xE0 | (c >> 12));
          buf[pos++] = (byte) (0x80 | ((c >> 6) & 0x3F));
          buf[pos++] = (byte) (0x80 | (c & 0x3F));
        }
      }
      int length = pos - lengthAt - 4;
      for (int shift = 24, at = lengthAt; shift >= 0; shift -= 8) {
        buf[at++] = (byte) (length >>> shift);
      }
    }

    byte[] toByteArray() {
      return Arrays.copyOf(buf, pos);
    }
  }

  /** Reads what {@link Writer} wrote, and the strings of {@link DataOutputStream#writeUTF}. */
  static final class Reader {
    private final byte[] buf;
    private int pos;

    Reader(byte[] buf) {
      this.buf = buf;
    }

    /** Bytes not yet read. */
    int remaining() {
      return buf.length - pos;
    }

    boolean atEnd() {
      return pos == buf.length;
    }

    private int need(int n) throws EOFException {
      if (n < 0 || n > buf.length - pos) {
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

    /** Reads what {@link Writer#writeString} wrote. */
    String readString() throws IOException {
      int n = readInt();
      if (n < 0) {
        throw new UTFDataFormatException("negative string length " + n);
      }
      int at = need(n);
      int end = at + n;
      int i = at;
      while (i < end && buf[i] > 0) {
        i++;
      }
      if (i == end) {
        return new String(buf, at, n, StandardCharsets.ISO_8859_1);
      }
      char[] chars = new char[n];
      int count = 0;
      for (int j = at; j < end; ) {
        int b = buf[j] & 0xFF;
        if (b != 0 && b < 0x80) {
          chars[count++] = (char) b;
          j++;
        } else if ((b & 0xE0) == 0xC0 && j + 1 < end && (buf[j + 1] & 0xC0) == 0x80) {
          chars[count++] = (char) (((b & 0x1F) << 6) | (buf[j + 1] & 0x3F));
          j += 2;
        } else if ((b & 0xF0) == 0xE0 && j + 2 < end && (buf[j + 1] & 0xC0) == 0x80 && (buf[j + 2] & 0xC0) == 0x80) {
          chars[count++] = (char) (((b & 0x0F) << 12) | ((buf[j + 1] & 0x3F) << 6) | (buf[j + 2] & 0x3F));
          j += 3;
        } else {
          throw new UTFDataFormatException("malformed string at byte " + (j - at));
        }
      }
      return new String(chars, 0, count);
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
