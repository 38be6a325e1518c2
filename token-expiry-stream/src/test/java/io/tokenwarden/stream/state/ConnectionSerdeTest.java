package io.tokenwarden.stream.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.schema.SealedCredentials;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.StringLength;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The connection state's binary layout: stable across serde rewrites, and every string survives it. */
class ConnectionSerdeTest {

  /**
   * {@link #nonAscii()} as the DataOutputStream-based serde wrote it before StateBytes: stores and changelogs
   * written then must read the same, and new writes must be byte for byte the same.
   */
  private static final String WRITTEN_BY_DATA_OUTPUT = "020015636f6e6e2dc3bc2de697a5e69cac2deda0bdedb88001000974"
      + "656e616e74c0807800086c696e6b6564696e001475726e3a6c693a706572736f6e3acea96d656761000001ba60d3387b000001ba60d3"
      + "380000063132333435360000000509080706050101000001ba60d4bea00001000001ba25386e000201000774696d656f75740000000301"
      + "0005636d642d310000000002000000400002000265310003c3a932000203000001ba60d3fb5005000001ba60d4bea0";

  @Test
  void theLayoutIsTheOneDataOutputWrote() {
    byte[] golden = HexFormat.of().parseHex(WRITTEN_BY_DATA_OUTPUT);
    assertThat(ConnectionSerde.encode(nonAscii())).isEqualTo(golden);
    assertThat(ConnectionSerde.decode(golden)).isEqualTo(nonAscii());
  }

  @Test
  void connectionStateRoundTrips() {
    Connection c = sample();
    assertThat(ConnectionSerde.decode(ConnectionSerde.encode(c))).isEqualTo(c);
  }

  @Property(tries = 300)
  void anyStringsRoundTrip(@ForAll @StringLength(max = 300) String id, @ForAll @StringLength(max = 60) String account,
      @ForAll @StringLength(max = 40) String failure) {
    Connection.Builder b = sample().toBuilder();
    b.connectionId = id;
    b.accountId = account;
    b.failure = failure;
    b.recentEventIds = List.of(failure, id);
    Connection c = b.build();
    assertThat(ConnectionSerde.decode(ConnectionSerde.encode(c))).isEqualTo(c);
  }

  @Test
  void aTruncatedRecordIsASerializationError() {
    byte[] bytes = ConnectionSerde.encode(sample());
    assertThatThrownBy(() -> ConnectionSerde.decode(Arrays.copyOf(bytes, bytes.length - 3)))
        .isInstanceOf(SerializationException.class).hasMessageContaining("cannot decode connection state");
    bytes[0] = 9;
    assertThatThrownBy(() -> ConnectionSerde.decode(bytes)).isInstanceOf(SerializationException.class)
        .hasMessageContaining("unknown connection state format version 9");
  }

  static Connection sample() {
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
    return b.build();
  }

  /** Strings that are not plain ASCII: two- and three-byte characters, a surrogate pair and a NUL. */
  private static Connection nonAscii() {
    Connection.Builder b = sample().toBuilder();
    b.connectionId = "conn-ü-日本-\uD83D\uDE00";
    b.tenantId = "tenant\u0000x";
    b.accountId = "urn:li:person:Ωmega";
    b.generation = 1_900_000_000_123L;
    b.credentials = new SealedCredentials("123456", ByteBuffer.wrap(new byte[] {9, 8, 7, 6, 5}), true);
    b.refreshTokenExpiresAt = null;
    b.failure = "timeout";
    b.attempt = 3;
    b.outstandingCommandId = "cmd-1";
    b.retryAt = null;
    b.recentEventIds = List.of("e1", "é2");
    return b.build();
  }
}
