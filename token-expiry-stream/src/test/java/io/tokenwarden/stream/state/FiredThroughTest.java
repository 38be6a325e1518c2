package io.tokenwarden.stream.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class FiredThroughTest {

  private final FiredThrough cursor = new FiredThrough(1_000, "m", TimerKind.WARN);

  @Test
  void coversExactlyWhatTheIndexOrdersAtOrBeforeIt() {
    assertThat(cursor.covers("z", new Timer(TimerKind.COMMAND_TIMEOUT, 999))).as("earlier due").isTrue();
    assertThat(cursor.covers("a", new Timer(TimerKind.REFRESH, 1_001))).as("later due").isFalse();
    assertThat(cursor.covers("l", new Timer(TimerKind.EXPIRE, 1_000))).as("same due, smaller id").isTrue();
    assertThat(cursor.covers("n", new Timer(TimerKind.REFRESH, 1_000))).as("same due, larger id").isFalse();
    assertThat(cursor.covers("m", new Timer(TimerKind.WARN, 1_000))).as("itself").isTrue();
    assertThat(cursor.covers("m", new Timer(TimerKind.RETRY, 1_000))).as("kind before").isTrue();
    assertThat(cursor.covers("m", new Timer(TimerKind.EXPIRE, 1_000))).as("kind after").isFalse();
    assertThat(new FiredThrough(0, "a", TimerKind.REFRESH).covers("a", new Timer(TimerKind.REFRESH, -5)))
        .as("negative dues are 0, as in the index").isTrue();
  }

  @Test
  void laterIsTheFurtherPosition() {
    FiredThrough next = new FiredThrough(1_000, "m", TimerKind.EXPIRE);
    assertThat(FiredThrough.later(cursor, next)).isEqualTo(next);
    assertThat(FiredThrough.later(next, cursor)).isEqualTo(next);
    assertThat(FiredThrough.later(null, cursor)).isEqualTo(cursor);
    assertThat(FiredThrough.later(cursor, null)).isEqualTo(cursor);
  }

  @Test
  void roundTripsThroughItsSerdeAndRejectsGarbage() {
    var serde = new FiredThrough.StoreSerde();
    FiredThrough odd = new FiredThrough(Long.MAX_VALUE, "ünï-" + "x".repeat(300), TimerKind.COMMAND_TIMEOUT);
    assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", odd))).isEqualTo(odd);
    assertThat(serde.serializer().serialize("t", null)).isNull();
    assertThatThrownBy(() -> serde.deserializer().deserialize("t", new byte[] {9, 0}))
        .isInstanceOf(SerializationException.class);
    assertThatThrownBy(() -> serde.deserializer().deserialize("t", new byte[] {1, 0, 0}))
        .isInstanceOf(SerializationException.class);
  }
}
