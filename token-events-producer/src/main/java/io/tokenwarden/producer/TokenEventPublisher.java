package io.tokenwarden.producer;

import io.tokenwarden.contracts.FieldLimits;
import io.tokenwarden.contracts.Topic;
import io.tokenwarden.contracts.Topics;
import io.tokenwarden.runtime.config.KafkaClients;
import io.tokenwarden.runtime.config.TokenwardenConfig;
import io.tokenwarden.runtime.provider.Providers;
import io.tokenwarden.runtime.sealing.CredentialSealer;
import io.tokenwarden.runtime.sealing.TokenCredentials;
import io.tokenwarden.schema.ConnectionRemoved;
import io.tokenwarden.schema.RefreshRequested;
import io.tokenwarden.schema.TokenIssued;
import io.tokenwarden.schema.TokenLifecycleEvent;
import io.tokenwarden.schema.TokenRevoked;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * Publishes connect events to {@code tokens.lifecycle} for upstream services. It validates input, seals
 * credentials, sets {@code eventId} and {@code occurredAt}, and sends with an idempotent, acks=all producer,
 * keyed by connection id. Invalid input, a field over its limit among it ({@link FieldLimits}), throws
 * {@link InvalidEventException} and nothing is sent; a revocation reason, free text, is truncated instead.
 *
 * <p>Thread-safe; create one per process and close it on shutdown.
 */
public final class TokenEventPublisher implements AutoCloseable {

  private final Producer<String, TokenLifecycleEvent> producer;
  private final Topic<String, TokenLifecycleEvent> topic;
  private final CredentialSealer sealer;
  private final EventValidator validator;
  private final Clock clock;

  /** A publisher around an existing producer, for embedding and tests. */
  public TokenEventPublisher(Producer<String, TokenLifecycleEvent> producer, Topics topics,
      CredentialSealer sealer, EventValidator validator, Clock clock) {
    this.producer = producer;
    this.topic = topics.lifecycle;
    this.sealer = sealer;
    this.validator = validator;
    this.clock = clock;
  }

  /** A publisher with its own durable producer to {@code bootstrapServers}. */
  public static TokenEventPublisher create(TokenwardenConfig config, String bootstrapServers,
      CredentialSealer sealer, Providers providers) {
    Map<String, Object> props = KafkaClients.durableProducer(config, bootstrapServers, "tokenwarden-publisher");
    var topic = config.topics().lifecycle;
    config.topics().wireFormat().resolveWriters(List.of(topic));
    var producer = new KafkaProducer<>(props, topic.keySerde().serializer(), topic.valueSerde().serializer());
    return new TokenEventPublisher(producer, config.topics(), sealer,
        new EventValidator(providers, config.clockSkew()), Clock.systemUTC());
  }

  /**
   * A publisher of requests only (revoked, removed, refresh requested), which carry no credentials: it needs
   * no keyset, and {@link #issued} refuses. The status gateway's refresh icon uses it.
   */
  public static TokenEventPublisher forRequests(TokenwardenConfig config, String bootstrapServers,
      Providers providers, String clientId) {
    Map<String, Object> props = KafkaClients.durableProducer(config, bootstrapServers, clientId);
    var topic = config.topics().lifecycle;
    var producer = new KafkaProducer<>(props, topic.keySerde().serializer(), topic.valueSerde().serializer());
    return new TokenEventPublisher(producer, config.topics(), null,
        new EventValidator(providers, config.clockSkew()), Clock.systemUTC());
  }

  /** A user connected or reconnected: publishes {@code TokenIssued} with sealed credentials. */
  public CompletableFuture<RecordMetadata> issued(IssuedToken token) {
    if (sealer == null) {
      throw new IllegalStateException("this publisher has no keyset: it publishes requests only");
    }
    Instant now = clock.instant();
    validator.validate(token, now);
    var credentials = new TokenCredentials(token.accessToken(), token.refreshToken(), token.tokenType(), Map.of());
    var sealed = sealer.seal(token.connectionId(), credentials);
    if (sealed.getCiphertext().remaining() > FieldLimits.CIPHERTEXT_BYTES) {
      throw new InvalidEventException("credentials", "sealed, they are " + sealed.getCiphertext().remaining()
          + " bytes; at most " + FieldLimits.CIPHERTEXT_BYTES);
    }
    var payload = TokenIssued.newBuilder()
        .setCredentials(sealed)
        .setExpiresAt(token.expiresAt().orElse(null))
        .setRefreshTokenExpiresAt(token.refreshTokenExpiresAt().orElse(null))
        .setScopes(new ArrayList<>(token.scopes()))
        .build();
    return send(envelope(token.connectionId(), now)
        .setTenantId(token.tenantId().orElse(null))
        .setProvider(token.provider())
        .setAccountId(token.accountId())
        .setPayload(payload)
        .build());
  }

  /**
   * The token was revoked, by the user or the provider. A {@code reason} longer than
   * {@link FieldLimits#REVOKE_REASON} is sent truncated, ending in {@link FieldLimits#TRUNCATION_MARKER}.
   */
  public CompletableFuture<RecordMetadata> revoked(String connectionId, String reason) {
    Instant now = clock.instant();
    validator.requireId("connectionId", connectionId);
    return send(envelope(connectionId, now)
        .setPayload(new TokenRevoked(FieldLimits.truncate(reason, FieldLimits.REVOKE_REASON))).build());
  }

  /** The connection was deleted; its status will be tombstoned. */
  public CompletableFuture<RecordMetadata> removed(String connectionId) {
    Instant now = clock.instant();
    validator.requireId("connectionId", connectionId);
    return send(envelope(connectionId, now).setPayload(new ConnectionRemoved()).build());
  }

  /** A user asked for an immediate refresh. */
  public CompletableFuture<RecordMetadata> refreshRequested(String connectionId, String requestedBy) {
    Instant now = clock.instant();
    validator.requireId("connectionId", connectionId);
    validator.requireRequestedBy(requestedBy);
    return send(envelope(connectionId, now).setPayload(new RefreshRequested(requestedBy)).build());
  }

  /** Waits for every sent event to be acknowledged. */
  public void flush() {
    producer.flush();
  }

  @Override
  public void close() {
    producer.close();
  }

  private static TokenLifecycleEvent.Builder envelope(String connectionId, Instant now) {
    return TokenLifecycleEvent.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setConnectionId(connectionId)
        .setOccurredAt(now);
  }

  private CompletableFuture<RecordMetadata> send(TokenLifecycleEvent event) {
    CompletableFuture<RecordMetadata> result = new CompletableFuture<>();
    producer.send(new ProducerRecord<>(topic.name(), event.getConnectionId(), event), (metadata, error) -> {
      if (error != null) {
        result.completeExceptionally(error);
      } else {
        result.complete(metadata);
      }
    });
    return result;
  }
}
