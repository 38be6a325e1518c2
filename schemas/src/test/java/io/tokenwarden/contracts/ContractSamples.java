package io.tokenwarden.contracts;

import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.schema.ExpiryKind;
import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.RefreshReason;
import io.tokenwarden.schema.SealedCredentials;
import io.tokenwarden.schema.TokenExpiryEvent;
import io.tokenwarden.schema.TokenIssued;
import io.tokenwarden.schema.TokenLifecycleEvent;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;

/** Fixed sample records, one per top-level type; the golden binaries were written from these. */
final class ContractSamples {

  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  private ContractSamples() {}

  /** Version 1 writers had no {@code hasRefreshToken}; it reads back as false. */
  static SealedCredentials sealed(int version) {
    return new SealedCredentials("1234", ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5}), version >= 2);
  }

  static TokenLifecycleEvent lifecycle() {
    return lifecycle(2);
  }

  static TokenLifecycleEvent lifecycle(int version) {
    return TokenLifecycleEvent.newBuilder()
        .setEventId("00000000-0000-0000-0000-000000000001")
        .setConnectionId("conn-1")
        .setTenantId("tenant-1")
        .setProvider("linkedin")
        .setAccountId("acct-1")
        .setOccurredAt(T0)
        .setPayload(TokenIssued.newBuilder()
            .setCredentials(sealed(version))
            .setExpiresAt(T0.plusSeconds(3600))
            .setRefreshTokenExpiresAt(T0.plusSeconds(86_400 * 365L))
            .setScopes(List.of("r_liteprofile", "w_member_social"))
            .build())
        .build();
  }

  static TokenExpiryEvent expiry() {
    return new TokenExpiryEvent("evt-1", "conn-1", null, "x", "acct-1", ExpiryKind.EXPIRING,
        T0.plusSeconds(3600), T0.plusSeconds(3300), 3L);
  }

  static RefreshCommand command(int version) {
    return new RefreshCommand("cmd-1", "conn-1", "tenant-1", "youtube", "acct-1", 2L, RefreshReason.PROACTIVE, 1,
        sealed(version), T0, T0.plusSeconds(300));
  }

  /** Version 1 writers had no {@code refreshing} and {@code refreshingSince}; they read back as false and null. */
  static ConnectionStatus status(int version) {
    return version >= 2
        ? new ConnectionStatus("conn-1", null, "x", "acct-1", ConnectionState.EXPIRED, true, "access_token_expired",
            T0.plusSeconds(3600), null, null, T0.plusSeconds(3700), 2L, true, T0.plusSeconds(3000))
        : new ConnectionStatus("conn-1", null, "facebook", "acct-1", ConnectionState.EXPIRING, true,
            "not_refreshable", T0.plusSeconds(86_400), null, null, T0, 1L, false, null);
  }

  /** Samples by the simple name of their type, as a writer of schema {@code version} wrote them. */
  static Map<String, SpecificRecord> all(int version) {
    return Map.of(
        "TokenLifecycleEvent", lifecycle(version),
        "TokenExpiryEvent", expiry(),
        "RefreshCommand", command(version),
        "ConnectionStatus", status(version));
  }

  @SuppressWarnings("unchecked")
  static byte[] encode(SpecificRecord record) {
    return AvroSerde.of((Class<SpecificRecord>) record.getClass()).encode(record);
  }

  @SuppressWarnings("unchecked")
  static SpecificRecord decode(Class<? extends SpecificRecord> type, byte[] bytes) {
    return AvroSerde.of((Class<SpecificRecord>) type).decode(bytes);
  }
}
