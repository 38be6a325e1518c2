package io.tokenwarden.stream;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwarden.contracts.SchemaRegistryClient;
import io.tokenwarden.contracts.WireFormat;
import io.tokenwarden.embedded.SharedKafka;
import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.TokenExpiryEvent;
import io.tokenwarden.schema.TokenIssued;
import io.tokenwarden.schema.TokenLifecycleEvent;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A sink's serializer that cannot reach the schema registry, inside Kafka Streams: the processed record must be
 * neither dropped nor dead-lettered (Kafka Streams' default production handler would dead-letter it), the stream
 * thread is replaced and retries from the last commit, and the output appears once the registry answers.
 * WireMock stands in for the registry, with the shapes of Confluent's "Schema Registry API Reference"
 * (docs.confluent.io/platform/current/schema-registry/develop/api.html): a lookup ({@code POST /subjects/{subject}})
 * answers {@code {"subject", "id", "version", "schema"}}, {@code GET /schemas/ids/{id}} answers {@code {"schema"}}.
 */
class RegistryOutageStreamIT {

  @RegisterExtension
  static WireMockExtension registry = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String STATUS_SUBJECT = "/subjects/[^/]+connections\\.status-value";

  private static void registered(String subjectPattern, Schema schema, int id) {
    registry.stubFor(post(urlPathMatching(subjectPattern)).willReturn(okJson(JSON.createObjectNode()
        .put("subject", "s").put("id", id).put("version", 1).put("schema", schema.toString()).toString())));
    registry.stubFor(get("/schemas/ids/" + id)
        .willReturn(okJson(JSON.createObjectNode().put("schema", schema.toString()).toString())));
  }

  @Test
  void theStreamWaitsForTheRegistryInsteadOfDroppingOrDeadLetteringItsOutput() throws Exception {
    registered("/subjects/[^/]+tokens\\.lifecycle-value", TokenLifecycleEvent.getClassSchema(), 1);
    registered("/subjects/[^/]+tokens\\.expiry-value", TokenExpiryEvent.getClassSchema(), 2);
    registered("/subjects/[^/]+tokens\\.refresh-commands-value", RefreshCommand.getClassSchema(), 3);
    registry.stubFor(post(urlPathMatching(STATUS_SUBJECT)).willReturn(aResponse().withStatus(503)));
    var client = new SchemaRegistryClient(new SchemaRegistryClient.Settings(List.of(URI.create(registry.baseUrl())),
        Optional.empty(), Optional.empty(), Duration.ofSeconds(5), Duration.ofSeconds(5), 1, Duration.ofMillis(50),
        Duration.ofMillis(100)));

    try (BrokerFixture kafka = new BrokerFixture("registry-outage-it", WireFormat.confluent(client, false));
        // A replaced stream thread's tasks move on when the dead thread's group session expires: keep it short.
        ExpiryStreamRunner runner = kafka.startRunner(Map.of(), new SimpleMeterRegistry(),
            Map.of("session.timeout.ms", 6000, "heartbeat.interval.ms", 1000))) {
      var status = kafka.reader(kafka.topics.status);
      kafka.send(TokenLifecycleEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setConnectionId("waits")
          .setProvider("facebook").setAccountId("acct").setOccurredAt(Instant.now())
          .setPayload(TokenIssued.newBuilder().setCredentials(StreamFixture.sealed("waits"))
              .setExpiresAt(Instant.now().plus(Duration.ofDays(30))).build())
          .build());

      // The status cannot be written: the stream keeps trying (a new thread each time) and stays alive.
      // (The dying stream threads' exceptions are theirs, not the test's.)
      await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(90)).until(() ->
          registry.findAll(postRequestedFor(urlPathMatching(STATUS_SUBJECT))).size() >= 4);
      assertThat(runner.state()).isNotIn(KafkaStreams.State.ERROR, KafkaStreams.State.NOT_RUNNING);
      assertThat(runner.fatalError()).isEmpty();
      assertThat(client.outage()).isPresent();
      assertThat(status.poll()).isEmpty();

      registered(STATUS_SUBJECT, ConnectionStatus.getClassSchema(), 4);

      await().dontCatchUncaughtExceptions().atMost(Duration.ofSeconds(90)).until(() -> !status.poll().isEmpty());
      assertThat(status.values()).singleElement()
          .satisfies(s -> assertThat(s.getState()).isEqualTo(ConnectionState.CONNECTED));
      assertThat(runner.exitCode()).isZero();
      // Not a single record, committed or aborted, was ever written to the dead-letter topic.
      try (Admin admin = Admin.create(Map.of("bootstrap.servers", SharedKafka.bootstrapServers()))) {
        TopicPartition dlq = new TopicPartition(kafka.topics.lifecycleDlq.name(), 0);
        assertThat(admin.listOffsets(Map.of(dlq, OffsetSpec.latest())).partitionResult(dlq).get().offset())
            .isZero();
      }
    }
  }
}
