package io.tokenwarden.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwarden.contracts.FieldLimits;
import io.tokenwarden.contracts.Topics;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.runtime.provider.Providers;
import io.tokenwarden.runtime.sealing.CredentialSealer;
import io.tokenwarden.runtime.sealing.Keysets;
import io.tokenwarden.schema.ConnectionRemoved;
import io.tokenwarden.schema.RefreshRequested;
import io.tokenwarden.schema.TokenIssued;
import io.tokenwarden.schema.TokenLifecycleEvent;
import io.tokenwarden.schema.TokenRevoked;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** Publisher behaviour against Kafka's in-memory producer; the real broker is in {@link TokenEventPublisherIT}. */
class TokenEventPublisherTest {

  private static final Instant NOW = Instant.parse("2026-03-01T10:00:00Z");

  private final Topics topics = Topics.defaults();
  private final MockProducer<String, TokenLifecycleEvent> producer = new MockProducer<>(true, null,
      new StringSerializer(), topics.lifecycle.valueSerde().serializer());
  private final CredentialSealer sealer = new CredentialSealer(Keysets.generate());
  private final Providers providers = new Providers(Env.of(Map.of("TOKENWARDEN_PROVIDER_ACME_ID_TYPE", "oauth2")));
  private final TokenEventPublisher publisher = new TokenEventPublisher(producer, topics, sealer,
      new EventValidator(providers, Duration.ofMinutes(1)), Clock.fixed(NOW, ZoneOffset.UTC));

  private static IssuedToken token(String connection, String provider, Instant expiresAt) {
    return IssuedToken.of(connection, provider, "acct-1", "at-123", "rt-456", expiresAt);
  }

  @Test
  void issuedIsKeyedByConnectionSealedAndStamped() throws Exception {
    publisher.issued(token("conn-1", "linkedin", NOW.plusSeconds(3600))).get();
    var record = producer.history().get(0);
    assertThat(record.topic()).isEqualTo("tokens.lifecycle");
    assertThat(record.key()).isEqualTo("conn-1");
    TokenLifecycleEvent event = record.value();
    assertThat(event.getEventId()).matches("[0-9a-f-]{36}");
    assertThat(event.getOccurredAt()).isEqualTo(NOW);
    assertThat(event.getProvider()).isEqualTo("linkedin");
    TokenIssued issued = (TokenIssued) event.getPayload();
    assertThat(issued.getExpiresAt()).isEqualTo(NOW.plusSeconds(3600));
    var opened = sealer.open("conn-1", issued.getCredentials());
    assertThat(opened.accessToken()).isEqualTo("at-123");
    assertThat(opened.refreshToken()).contains("rt-456");
  }

  @Test
  void everyEventGetsItsOwnId() throws Exception {
    publisher.issued(token("conn-1", "x", null)).get();
    publisher.issued(token("conn-1", "x", null)).get();
    assertThat(producer.history()).extracting(r -> r.value().getEventId()).doesNotHaveDuplicates();
  }

  @Test
  void genericOAuth2ProvidersAreKnownOnlyWhenConfigured() throws Exception {
    publisher.issued(token("conn-1", "acme-id", null)).get();
    assertThatThrownBy(() -> publisher.issued(token("conn-2", "acme-other", null)))
        .isInstanceOf(InvalidEventException.class).hasMessageStartingWith("provider:");
    assertThat(producer.history()).hasSize(1);
  }

  @Test
  void invalidInputNamesTheFieldAndSendsNothing() {
    assertInvalid(token(" ", "x", null), "connectionId");
    assertInvalid(token("c".repeat(256), "x", null), "connectionId");
    assertInvalid(token("conn", "myspace", null), "provider");
    assertInvalid(IssuedToken.of("conn", "x", "", "at", null, null), "accountId");
    assertInvalid(IssuedToken.of("conn", "x", "acct", " ", null, null), "accessToken");
    assertInvalid(token("conn", "x", NOW.minus(Duration.ofMinutes(2))), "expiresAt");
    assertInvalid(new IssuedToken("conn", Optional.of(""), "x", "a", "at", Optional.empty(), null,
        Optional.empty(), Optional.empty(), List.of()), "tenantId");
    assertThatThrownBy(() -> publisher.revoked("", null)).hasMessageStartingWith("connectionId:");
    assertThatThrownBy(() -> publisher.removed(null)).hasMessageStartingWith("connectionId:");
    assertThat(producer.history()).isEmpty();
  }

  @Test
  void everyFieldOverItsLimitIsRefusedNamingTheField() {
    String id256 = "i".repeat(FieldLimits.ID + 1);
    assertInvalid(IssuedToken.of("conn", "x", id256, "at", null, null), "accountId");
    assertInvalid(new IssuedToken("conn", Optional.of(id256), "x", "a", "at", Optional.empty(), null,
        Optional.empty(), Optional.empty(), List.of()), "tenantId");
    assertInvalid(IssuedToken.of("conn", "p".repeat(FieldLimits.PROVIDER + 1), "a", "at", null, null), "provider");
    assertInvalid(IssuedToken.of("conn", "x", "a", "t".repeat(FieldLimits.TOKEN + 1), null, null), "accessToken");
    assertInvalid(IssuedToken.of("conn", "x", "a", "at", "r".repeat(FieldLimits.TOKEN + 1), null), "refreshToken");
    assertInvalid(new IssuedToken("conn", Optional.empty(), "x", "a", "at", Optional.empty(), "B".repeat(65),
        Optional.empty(), Optional.empty(), List.of()), "tokenType");
    assertInvalid(new IssuedToken("conn", Optional.empty(), "x", "a", "at", Optional.empty(), null,
        Optional.empty(), Optional.empty(), Collections.nCopies(FieldLimits.SCOPES + 1, "read")), "scopes");
    assertInvalid(new IssuedToken("conn", Optional.empty(), "x", "a", "at", Optional.empty(), null,
        Optional.empty(), Optional.empty(), List.of("s".repeat(FieldLimits.SCOPE + 1))), "scopes");
    assertThatThrownBy(() -> publisher.refreshRequested("c1", id256)).hasMessageStartingWith("requestedBy:");
    assertThat(producer.history()).isEmpty();
  }

  @Test
  void everyFieldAtItsLimitIsPublishedAndTheSealedCredentialsFitTheirLimit() throws Exception {
    String id = "i".repeat(FieldLimits.ID);
    publisher.issued(new IssuedToken(id, Optional.of(id), "x", id, "a".repeat(FieldLimits.TOKEN), Optional.of("r".repeat(FieldLimits.TOKEN)),
        "B".repeat(FieldLimits.TOKEN_TYPE), Optional.empty(), Optional.empty(),
        Collections.nCopies(FieldLimits.SCOPES, "s".repeat(FieldLimits.SCOPE)))).get();
    TokenIssued issued = (TokenIssued) producer.history().get(0).value().getPayload();
    assertThat(issued.getCredentials().getCiphertext().remaining()).isLessThanOrEqualTo(FieldLimits.CIPHERTEXT_BYTES);
    publisher.refreshRequested("c1", id).get();
    assertThat(producer.history()).hasSize(2);
  }

  @Test
  void aRevokeReasonOverItsLimitIsSentTruncatedWithAMarker() throws Exception {
    publisher.revoked("c1", "x".repeat(70_000)).get();
    String reason = ((TokenRevoked) producer.history().get(0).value().getPayload()).getReason();
    assertThat(reason).hasSize(FieldLimits.REVOKE_REASON).endsWith(FieldLimits.TRUNCATION_MARKER);
  }

  @Test
  void expiryWithinTheSkewAllowanceIsAccepted() throws Exception {
    publisher.issued(token("conn", "x", NOW.minusSeconds(30))).get();
    assertThat(producer.history()).hasSize(1);
  }

  @Test
  void revokedRemovedAndRefreshRequestedCarryTheirPayloads() throws Exception {
    publisher.revoked("c1", "user_revoked").get();
    publisher.removed("c1").get();
    publisher.refreshRequested("c1", "alice").get();
    assertThat(producer.history()).extracting(r -> (Object) r.value().getPayload().getClass())
        .containsExactly(TokenRevoked.class, ConnectionRemoved.class, RefreshRequested.class);
    assertThat(((TokenRevoked) producer.history().get(0).value().getPayload()).getReason()).isEqualTo("user_revoked");
  }

  @Test
  void toStringHidesTokens() {
    assertThat(token("c", "x", null).toString()).doesNotContain("at-123").doesNotContain("rt-456");
  }

  private void assertInvalid(IssuedToken token, String field) {
    assertThatThrownBy(() -> publisher.issued(token))
        .isInstanceOf(InvalidEventException.class)
        .hasMessageStartingWith(field + ":")
        .satisfies(e -> assertThat(((InvalidEventException) e).field()).isEqualTo(field));
  }
}
