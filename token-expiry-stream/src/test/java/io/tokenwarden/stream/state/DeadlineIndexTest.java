package io.tokenwarden.stream.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.schema.SealedCredentials;
import java.nio.ByteBuffer;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.LongRange;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class DeadlineIndexTest {

  @Property(tries = 300)
  void byteOrderIsTimeOrder(@ForAll @LongRange(min = 0, max = 4_000_000_000_000L) long a,
      @ForAll @LongRange(min = 0, max = 4_000_000_000_000L) long b,
      @ForAll @AlphaChars @StringLength(min = 1, max = 40) String idA,
      @ForAll @AlphaChars @StringLength(min = 1, max = 40) String idB) {
    var keyA = DeadlineIndex.key(a, idA, TimerKind.EXPIRE);
    var keyB = DeadlineIndex.key(b, idB, TimerKind.WARN);
    if (a != b) {
      assertThat(Long.signum(keyA.compareTo(keyB))).isEqualTo(Long.signum(Long.compare(a, b)));
    }
    var decoded = DeadlineIndex.decode(keyA, 7);
    assertThat(decoded).isEqualTo(new DeadlineIndex.Entry(a, idA, TimerKind.EXPIRE, 7));
  }

  @Test
  void connectionStateRoundTrips() {
    Connection.Builder b = new Connection.Builder();
    b.connectionId = "c1";
    b.tenantId = null;
    b.provider = "linkedin";
    b.accountId = "urn:li:person:1";
    b.generation = 42;
    b.generationStartedAt = 1_900_000_000_000L;
    b.credentials = new SealedCredentials("123", ByteBuffer.wrap(new byte[] {1, 2, 3}), false);
    b.expiresAt = 1_900_000_100_000L;
    b.refreshTokenExpiresAt = null;
    b.lastRefreshedAt = 1_899_000_000_000L;
    b.state = ConnectionState.DEGRADED;
    b.failure = "timeout";
    b.attempt = 2;
    b.outstandingCommandId = null;
    b.retryAt = 1_900_000_050_000L;
    b.fired = TimerKind.REFRESH.bit();
    b.refreshTokenFired = TimerKind.REFRESH_TOKEN_WARN.bit();
    b.recentEventIds = List.of("e1", "e2");
    b.timers = List.of(new Timer(TimerKind.RETRY, 1_900_000_050_000L), new Timer(TimerKind.EXPIRE, 1_900_000_100_000L));
    Connection c = b.build();
    assertThat(ConnectionSerde.decode(ConnectionSerde.encode(c))).isEqualTo(c);
  }
}
