package io.tokenwarden.contracts;

import java.io.OutputStream;
import java.util.Arrays;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;

/**
 * A per-thread output buffer for encoding records: unsynchronised, reused from record to record, written once by a
 * direct encoder and copied once into the result. {@code ByteArrayOutputStream} and Avro's message encoder both
 * synchronise and copy twice; on a burst of fired timers that was measurable.
 */
final class EncodeBuffer extends OutputStream {

  private static final ThreadLocal<EncodeBuffer> PER_THREAD = ThreadLocal.withInitial(EncodeBuffer::new);
  /** A buffer grown past this by an unusual record is not kept for the next one. */
  private static final int KEPT = 64 * 1024;

  private byte[] buf = new byte[4096];
  private int count;
  private BinaryEncoder encoder;

  private EncodeBuffer() {}

  /** This thread's buffer, emptied. Not re-entrant: the caller finishes with it before encoding anything else. */
  static EncodeBuffer acquire() {
    EncodeBuffer b = PER_THREAD.get();
    b.count = 0;
    return b;
  }

  /** An Avro encoder writing straight into this buffer, with no buffer of its own to flush. */
  BinaryEncoder encoder() {
    encoder = EncoderFactory.get().directBinaryEncoder(this, encoder);
    return encoder;
  }

  @Override
  public void write(int b) {
    ensure(1);
    buf[count++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) {
    ensure(len);
    System.arraycopy(b, off, buf, count, len);
    count += len;
  }

  /** Writes {@code v} as 8 little-endian bytes. */
  void writeLongLittleEndian(long v) {
    ensure(8);
    for (int i = 0; i < 8; i++) {
      buf[count++] = (byte) (v >>> (8 * i));
    }
  }

  /** Writes {@code v} as 4 big-endian bytes. */
  void writeIntBigEndian(int v) {
    ensure(4);
    for (int i = 3; i >= 0; i--) {
      buf[count++] = (byte) (v >>> (8 * i));
    }
  }

  /** The bytes written since {@link #acquire()}, the one copy. */
  byte[] toByteArray() {
    byte[] bytes = Arrays.copyOf(buf, count);
    if (buf.length > KEPT) {
      buf = new byte[4096];
    }
    count = 0;
    return bytes;
  }

  private void ensure(int more) {
    if (count + more > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + more));
    }
  }
}
