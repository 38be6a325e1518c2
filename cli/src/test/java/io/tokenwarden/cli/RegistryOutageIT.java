package io.tokenwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenwarden.contracts.SchemaHistory;
import io.tokenwarden.contracts.Topics;
import io.tokenwarden.producer.IssuedToken;
import io.tokenwarden.producer.TokenEventPublisher;
import io.tokenwarden.runtime.provider.Providers;
import io.tokenwarden.runtime.sealing.TokenCredentials;
import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.RefreshReason;
import io.tokenwarden.schema.TokenIssued;
import io.tokenwarden.schema.TokenLifecycleEvent;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The schema registry goes down while the system runs in {@code confluent} mode. Writing needs it no more (ids
 * were resolved at start-up); reading a record whose schema id was never seen does. Such records are neither
 * dropped nor dead-lettered: the stream and the worker stop at them, report not ready, and go on when the
 * registry is back.
 */
class RegistryOutageIT {

  private WireFormatSystem system;

  @AfterEach
  void close() {
    if (system != null) {
      system.close();
    }
  }

  @Test
  void anOutageStallsTheStreamAndTheWorkerWhichResumeWithoutLosingOrDeadLetteringAnything() throws Exception {
    system = new WireFormatSystem("outage-it");
    Topics topics = system.topics();
    assertThat(system.schemas("register").exitCode()).isZero();
    // Released earlier versions, registered as an older producer would have: ids nobody has cached.
    int oldLifecycle = system.registry.register(topics.lifecycle.valueSubject(),
        SchemaHistory.versions("TokenLifecycleEvent").get(0));
    int oldCommand = system.registry.register(topics.refreshCommands.valueSubject(),
        SchemaHistory.versions("RefreshCommand").get(0));
    system.start("confluent");
    await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(60)).until(() -> system.readiness() == 200);

    var env = system.env("confluent");
    try (var publisher = TokenEventPublisher.create(system.config("confluent"), system.bootstrap, system.sealer(),
        new Providers(env))) {
      publisher.issued(token("out-worker", SandboxProvider.RENEWS, Optional.of("OUT-REFRESH"))).get(30, TimeUnit.SECONDS);
      await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(60)).until(() -> system.statuses().containsKey("out-worker"));
      long generation = system.statuses().get("out-worker").getGeneration();

      system.registry.down(true);
      int requestsWhenDown = system.registry.requests();

      // Ids of the current schemas were resolved at start-up: events flow with the registry down.
      publisher.issued(token("out-known", "facebook", Optional.empty())).get(30, TimeUnit.SECONDS);
      await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(60)).until(() -> state("out-known") == ConnectionState.CONNECTED);
      assertThat(system.readiness()).isEqualTo(200);
      assertThat(system.registry.requests()).isEqualTo(requestsWhenDown);

      // Records written with a schema id nobody has fetched yet: both processes must wait for the registry.
      send(topics.lifecycle.name(), "out-old",
          framed(oldLifecycle, SchemaHistory.versions("TokenLifecycleEvent").get(0), issued("out-old")));
      send(topics.refreshCommands.name(), "out-worker", framed(oldCommand,
          SchemaHistory.versions("RefreshCommand").get(0), command("out-worker", generation)));
      await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(60)).until(() -> system.readiness() == 503);
      assertThat(system.statuses()).doesNotContainKey("out-old");
      assertThat(system.statuses().get("out-worker").getLastRefreshedAt()).isNull();

      system.registry.down(false);
    }

    await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() ->
        state("out-old") == ConnectionState.CONNECTED
            && system.statuses().get("out-worker").getLastRefreshedAt() != null
            && system.readiness() == 200);
    assertThat(TopicRecords.all(system.bootstrap, topics.lifecycleDlq.name())).as("dead letters").isEmpty();
  }

  private ConnectionState state(String connection) {
    ConnectionStatus status = system.statuses().get(connection);
    return status == null ? null : status.getState();
  }

  private static IssuedToken token(String connection, String provider, Optional<String> refreshToken) {
    return new IssuedToken(connection, Optional.empty(), provider, "acct-" + connection, "ACCESS-" + connection,
        refreshToken, "Bearer", Optional.of(Instant.now().plus(Duration.ofDays(30))), Optional.empty(), List.of());
  }

  private TokenLifecycleEvent issued(String connection) {
    Instant now = Instant.now();
    return TokenLifecycleEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setConnectionId(connection)
        .setProvider("facebook").setAccountId("acct-" + connection).setOccurredAt(now)
        .setPayload(TokenIssued.newBuilder()
            .setCredentials(system.sealer().seal(connection,
                new TokenCredentials("ACCESS-" + connection, Optional.empty(), "Bearer", Map.of())))
            .setExpiresAt(now.plus(Duration.ofDays(30))).setRefreshTokenExpiresAt(null).setScopes(List.of()).build())
        .build();
  }

  private RefreshCommand command(String connection, long generation) {
    Instant now = Instant.now();
    return new RefreshCommand("out-cmd-1", connection, null, SandboxProvider.RENEWS, "acct-" + connection, generation,
        RefreshReason.USER_REQUESTED, 1, system.sealer().seal(connection,
            new TokenCredentials("ACCESS-" + connection, Optional.of("OUT-REFRESH"), "Bearer", Map.of())),
        now, now.plusSeconds(3600));
  }

  /** The Confluent wire format with the given id, the body written with an older writer schema. */
  private static byte[] framed(int id, Schema writer, SpecificRecord record) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(0);
    out.write(ByteBuffer.allocate(4).putInt(id).array());
    BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
    new SpecificDatumWriter<SpecificRecord>(writer, SpecificData.getForClass(record.getClass())).write(record, encoder);
    encoder.flush();
    return out.toByteArray();
  }

  private void send(String topic, String key, byte[] value) throws Exception {
    try (var producer = new KafkaProducer<>(Map.<String, Object>of("bootstrap.servers", system.bootstrap),
        new ByteArraySerializer(), new ByteArraySerializer())) {
      producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value)).get(30, TimeUnit.SECONDS);
    }
  }
}
