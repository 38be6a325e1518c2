package io.tokenwarden.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwarden.schema.TokenLifecycleEvent;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.apache.avro.SchemaNormalization;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/**
 * Hostile bodies behind the right fingerprint: a length or a block count in the millions or billions over a body of
 * a few bytes must fail as a {@link SerializationException} without the reader allocating what the prefix claims.
 * The oracle is the bytes this thread allocated, so a heap large enough to survive the allocation still fails.
 */
class AvroSerdeHostileInputTest {

  private static final long ALLOCATION_BUDGET = 16L << 20;
  private final AvroSerde<TokenLifecycleEvent> serde = AvroSerde.of(TokenLifecycleEvent.class);

  @Test
  void aHugeStringLengthIsRejectedWithoutAllocatingIt() {
    assertRejectedCheaply(body().varLong(1L << 30).raw("abc"));
    assertRejectedCheaply(body().varLong(Integer.MAX_VALUE - 16L).raw("abc"));
  }

  @Test
  void aNegativeStringLengthIsRejected() {
    assertRejectedCheaply(body().varLong(-5).raw("abc"));
  }

  @Test
  void aHugeBytesLengthIsRejectedWithoutAllocatingIt() {
    assertRejectedCheaply(issuedUpToCredentials().string("1").varLong(1L << 30).raw("xyz"));
  }

  @Test
  void aHugeArrayBlockCountIsRejectedWithoutAllocatingIt() {
    Body scopes = issuedUpToCredentials().string("1").bytes(new byte[] {1, 2, 3}).raw(new byte[] {1})
        .varLong(0).varLong(0) // expiresAt null, refreshTokenExpiresAt null
        .varLong(1L << 30).string("a");
    assertRejectedCheaply(scopes);
  }

  private void assertRejectedCheaply(Body body) {
    byte[] bytes = body.toBytes();
    var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long thread = Thread.currentThread().getId();
    long before = threads.getThreadAllocatedBytes(thread);
    assertThatThrownBy(() -> serde.decode(bytes)).isInstanceOf(SerializationException.class);
    long allocated = threads.getThreadAllocatedBytes(thread) - before;
    assertThat(allocated).as("bytes allocated decoding a %d-byte record", bytes.length)
        .isLessThan(ALLOCATION_BUDGET);
  }

  /** The single-object header of the current TokenLifecycleEvent schema, then a body to write. */
  private static Body body() {
    Body b = new Body();
    b.out.write(0xC3);
    b.out.write(0x01);
    byte[] fingerprint = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
        .putLong(SchemaNormalization.parsingFingerprint64(TokenLifecycleEvent.getClassSchema())).array();
    b.out.writeBytes(fingerprint);
    return b;
  }

  /** A TokenIssued envelope up to the start of its sealed credentials. */
  private static Body issuedUpToCredentials() {
    return body().string("event").string("conn").varLong(0).varLong(0).varLong(0) // tenant, provider, account null
        .varLong(1_767_225_600_000L).varLong(1); // occurredAt; payload branch 1: TokenIssued
  }

  private static final class Body {
    final ByteArrayOutputStream out = new ByteArrayOutputStream();

    /** Avro's zig-zag variable-length long. */
    Body varLong(long value) {
      long n = (value << 1) ^ (value >> 63);
      while ((n & ~0x7FL) != 0) {
        out.write((int) ((n & 0x7F) | 0x80));
        n >>>= 7;
      }
      out.write((int) n);
      return this;
    }

    Body string(String s) {
      return bytes(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    Body bytes(byte[] b) {
      varLong(b.length);
      out.writeBytes(b);
      return this;
    }

    Body raw(String s) {
      return raw(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    Body raw(byte[] b) {
      out.writeBytes(b);
      return this;
    }

    byte[] toBytes() {
      return out.toByteArray();
    }
  }
}
