package io.tokenwarden.stream.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwarden.contracts.FieldLimits;
import io.tokenwarden.schema.SealedCredentials;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.StringLength;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/**
 * The connection state's binary layout: every version ever written still reads, the current one is pinned byte
 * for byte, any string survives it at any length, and garbage is a {@link SerializationException}, never another
 * exception.
 */
class ConnectionSerdeTest {

  /**
   * Version 2 of {@link #written()}'s connection, as the DataOutputStream-based serde wrote it: a state label
   * ({@code DEGRADED}), one failure code, two-byte string lengths. Existing changelogs hold such records.
   */
  private static final String VERSION_2 = "020015636f6e6e2dc3bc2de697a5e69cac2deda0bdedb88001000974"
      + "656e616e74c0807800086c696e6b6564696e001475726e3a6c693a706572736f6e3acea96d656761000001ba60d3387b000001ba60d3"
      + "380000063132333435360000000509080706050101000001ba60d4bea00001000001ba25386e000201000774696d656f75740000000301"
      + "0005636d642d310000000002000000400002000265310003c3a932000203000001ba60d3fb5005000001ba60d4bea0";

  /** The same connection in version 1, which had no {@code hasRefreshToken}. */
  private static final String VERSION_1 = "010015636f6e6e2dc3bc2de697a5e69cac2deda0bdedb88001000974"
      + "656e616e74c0807800086c696e6b6564696e001475726e3a6c693a706572736f6e3acea96d656761000001ba60d3387b000001ba60d3"
      + "3800000631323334353600000005090807060501000001ba60d4bea00001000001ba25386e000201000774696d656f7574000000030100"
      + "05636d642d310000000002000000400002000265310003c3a932000203000001ba60d3fb5005000001ba60d4bea0";

  /** {@link #current()} in version 3; written once by this code, never to be rewritten. */
  private static final String VERSION_3 = "0300000015636f6e6e2dc3bc2de697a5e69cac2deda0bdedb880010000000974656e616e74c0807800000008782d637573746f6d0000"
      + "001475726e3a6c693a706572736f6e3acea96d656761000001ba60d3387b000001ba60d3380000000006313233343536000000050908"
      + "0706050101000001ba60d4bea001000001c6050eac0001000001ba25386e000100000008726576c3b66b65640100000007696e76616c"
      + "69640100000007686f70c3a96c65000000030100000005636d642d3101000001ba60d3ad3001000001ba60d3ad3001000001ba60d3ad"
      + "300000000002000000400000000200000002653100000003c3a93200000002040000b8a09ee3b00008000001ba60d533d0";

  @Test
  void versionTwoRecordsStillReadWithTheirLabelTurnedIntoFacts() {
    assertThat(ConnectionSerde.decode(HexFormat.of().parseHex(VERSION_2))).isEqualTo(written(true));
  }

  @Test
  void versionOneRecordsStillReadWithoutARefreshToken() {
    assertThat(ConnectionSerde.decode(HexFormat.of().parseHex(VERSION_1))).isEqualTo(written(false));
  }

  @Test
  void theCurrentLayoutIsPinnedByteForByte() {
    byte[] golden = HexFormat.of().parseHex(VERSION_3);
    assertThat(HexFormat.of().formatHex(ConnectionSerde.encode(current()))).isEqualTo(VERSION_3);
    assertThat(ConnectionSerde.decode(golden)).isEqualTo(current());
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
    b.transientFailure = failure;
    b.revocation = failure;
    b.recentEventIds = List.of(failure, id);
    Connection c = b.build();
    assertThat(ConnectionSerde.decode(ConnectionSerde.encode(c))).isEqualTo(c);
  }

  @Test
  void everyFieldAtItsLimitRoundTripsInThreeByteCharacters() {
    String id = "日".repeat(FieldLimits.ID);
    Connection.Builder b = sample().toBuilder();
    b.connectionId = id;
    b.tenantId = id;
    b.provider = "ü".repeat(FieldLimits.PROVIDER);
    b.accountId = id;
    b.credentials = new SealedCredentials("9".repeat(FieldLimits.KEY_ID),
        ByteBuffer.wrap(new byte[FieldLimits.CIPHERTEXT_BYTES]), true);
    b.revocation = "€".repeat(FieldLimits.REVOKE_REASON);
    b.permanentFailure = "€".repeat(FieldLimits.ERROR_CODE);
    b.transientFailure = "€".repeat(FieldLimits.ERROR_CODE);
    b.outstandingCommandId = id;
    List<String> recent = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      recent.add(id);
    }
    b.recentEventIds = recent;
    Connection c = b.build();
    byte[] bytes = ConnectionSerde.encode(c);
    assertThat(bytes.length).as("far below Kafka's 1 MB message size").isLessThan(1_000_000);
    assertThat(ConnectionSerde.decode(bytes)).isEqualTo(c);
  }

  @Test
  void stringsPastWriteUtfsSixtyFourKilobytesRoundTrip() {
    // The state serde of version 2 threw above 65,535 bytes; one revoke reason of 70,000 characters stopped the
    // stream. Validation truncates such a reason now, and the serde does not depend on it.
    Connection.Builder b = sample().toBuilder();
    b.revocation = "x".repeat(70_000);
    b.permanentFailure = "é".repeat(70_000);
    Connection c = b.build();
    assertThat(ConnectionSerde.decode(ConnectionSerde.encode(c))).isEqualTo(c);
  }

  @Test
  void aTruncatedRecordIsASerializationError() {
    byte[] bytes = ConnectionSerde.encode(sample());
    for (int cut = 0; cut < bytes.length; cut++) {
      byte[] truncated = Arrays.copyOf(bytes, cut);
      assertThatThrownBy(() -> ConnectionSerde.decode(truncated)).as("cut at %d", cut)
          .isInstanceOf(SerializationException.class);
    }
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
    assertThatThrownBy(() -> ConnectionSerde.decode(longer)).isInstanceOf(SerializationException.class)
        .hasMessageContaining("bytes left");
    bytes[0] = 9;
    assertThatThrownBy(() -> ConnectionSerde.decode(bytes)).isInstanceOf(SerializationException.class)
        .hasMessageContaining("unknown connection state format version 9");
  }

  @Property(tries = 500)
  void garbageIsASerializationErrorAndNothingElse(@ForAll @Size(max = 400) byte[] garbage) {
    for (byte version = 1; version <= 3; version++) {
      byte[] bytes = garbage.clone();
      if (bytes.length > 0) {
        bytes[0] = version;
      }
      try {
        ConnectionSerde.decode(bytes);
      } catch (SerializationException expected) {
        // The only way a bad record may fail.
      }
    }
  }

  @Test
  void aHugeCountInACorruptRecordFailsWithoutAllocatingIt() {
    byte[] bytes = ConnectionSerde.encode(sample());
    // The recent event ids' count sits right after the two fired masks; make it two billion.
    byte[] corrupt = HexFormat.of().parseHex(HexFormat.of().formatHex(bytes).replace(
        "00000002000000026531000000026532", "7fffffff000000026531000000026532"));
    assertThat(corrupt).isNotEqualTo(bytes);
    assertThatThrownBy(() -> ConnectionSerde.decode(corrupt)).isInstanceOf(SerializationException.class)
        .hasMessageContaining("a count of 2147483647");
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
    b.transientFailure = "timeout";
    b.attempt = 2;
    b.outstandingCommandId = null;
    b.lastAttemptAt = 1_900_000_010_000L;
    b.refreshingSince = 1_900_000_010_000L;
    b.retryAt = 1_900_000_050_000L;
    b.fired = TimerKind.REFRESH.bit();
    b.refreshTokenFired = TimerKind.REFRESH_TOKEN_WARN.bit();
    b.recentEventIds = List.of("e1", "e2");
    b.timers = List.of(new Timer(TimerKind.RETRY, 1_900_000_050_000L), new Timer(TimerKind.EXPIRE, 1_900_000_100_000L));
    return b.build();
  }

  /**
   * The connection of {@link #VERSION_1} and {@link #VERSION_2}: strings that are not plain ASCII (two- and
   * three-byte characters, a surrogate pair and a NUL), {@code DEGRADED} with failure {@code timeout} and command
   * {@code cmd-1} out. Read today, the label and the code are a transient failure, and the command is taken as
   * issued when its generation started, with its deadline due then.
   */
  private static Connection written(boolean hasRefreshToken) {
    Connection.Builder b = sample().toBuilder();
    b.connectionId = "conn-ü-日本-\uD83D\uDE00";
    b.tenantId = "tenant\u0000x";
    b.accountId = "urn:li:person:Ωmega";
    b.generation = 1_900_000_000_123L;
    b.credentials = new SealedCredentials("123456", ByteBuffer.wrap(new byte[] {9, 8, 7, 6, 5}), hasRefreshToken);
    b.transientFailure = "timeout";
    b.attempt = 3;
    b.outstandingCommandId = "cmd-1";
    b.commandIssuedAt = b.generationStartedAt;
    b.lastAttemptAt = b.generationStartedAt;
    b.refreshingSince = b.generationStartedAt;
    b.retryAt = null;
    b.recentEventIds = List.of("e1", "é2");
    b.timers = List.of(new Timer(TimerKind.RETRY, 1_900_000_050_000L), new Timer(TimerKind.EXPIRE, 1_900_000_100_000L),
        new Timer(TimerKind.COMMAND_TIMEOUT, b.generationStartedAt));
    return b.build();
  }

  /** Every field of version 3 set, with strings that are not plain ASCII. */
  private static Connection current() {
    Connection.Builder b = written(true).toBuilder();
    b.provider = "x-custom";
    b.refreshTokenExpiresAt = 1_950_000_000_000L;
    b.revocation = "revöked";
    b.permanentFailure = "invalid";
    b.transientFailure = "hopéle";
    b.commandIssuedAt = 1_900_000_030_000L;
    b.lastAttemptAt = 1_900_000_030_000L;
    b.refreshingSince = 1_900_000_030_000L;
    b.retryAt = null;
    b.timers = List.of(new Timer(TimerKind.WARN, 203_000_000_000_000L),
        new Timer(TimerKind.COMMAND_TIMEOUT, 1_900_000_130_000L));
    return b.build();
  }
}
