package io.tokenwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tokenwarden.contracts.Topic;
import io.tokenwarden.producer.IssuedToken;
import io.tokenwarden.producer.TokenEventPublisher;
import io.tokenwarden.runtime.provider.Providers;
import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.schema.ConnectionStatus;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The whole system in {@code confluent} mode on the real broker, with a registry stand-in speaking Confluent's
 * REST API: schemas registered by {@code schemas register}, a proactive refresh at the sandbox provider and a
 * token that expires. Every record on every topic must be what Confluent's {@code KafkaAvroDeserializer} reads:
 * magic byte 0, a schema id registered under {@code <topic>-value}, and an Avro body that a plain
 * {@link GenericDatumReader} decodes with the schema fetched by that id.
 */
class ConfluentWireFormatIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static WireFormatSystem system;

  @BeforeAll
  static void runTheSystemInConfluentMode() throws Exception {
    system = new WireFormatSystem("confluent-it");
    CliRun register = system.schemas("register");
    assertThat(register.exitCode()).as(register.err()).isZero();
    assertThat(register.out()).contains("registered " + system.prefix + "tokens.lifecycle-value");
    system.start("confluent");

    Map<String, String> vars = Map.of("TOKENWARDEN_POLICY_FACEBOOK_WARN_BEFORE", "PT3S");
    var env = system.env("confluent").with(vars);
    try (var publisher = TokenEventPublisher.create(system.config("confluent"), system.bootstrap, system.sealer(),
        new Providers(env))) {
      publisher.issued(new IssuedToken("cf-renew", Optional.empty(), SandboxProvider.RENEWS, "acct-1", "CF-ACCESS-1",
          Optional.of("CF-REFRESH-1"), "Bearer", Optional.of(Instant.now().plusSeconds(25)), Optional.empty(),
          List.of())).get(30, TimeUnit.SECONDS);
      publisher.issued(new IssuedToken("cf-facebook", Optional.empty(), "facebook", "acct-2", "CF-ACCESS-2",
          Optional.empty(), "Bearer", Optional.of(Instant.now().plusSeconds(4)), Optional.empty(), List.of()))
          .get(30, TimeUnit.SECONDS);
    }
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).until(() -> {
      Map<String, ConnectionStatus> statuses = system.statuses();
      ConnectionStatus renewed = statuses.get("cf-renew");
      ConnectionStatus expired = statuses.get("cf-facebook");
      return renewed != null && renewed.getState() == ConnectionState.CONNECTED
          && renewed.getLastRefreshedAt() != null
          && expired != null && expired.getState() == ConnectionState.EXPIRED;
    });
    system.stop();
  }

  @AfterAll
  static void close() {
    if (system != null) {
      system.close();
    }
  }

  @Test
  void everyRecordOnEveryTopicIsTheConfluentWireFormatWithARegisteredIdAndAPlainAvroBody() throws Exception {
    HttpClient http = HttpClient.newHttpClient();
    for (Topic<?, ?> topic : system.topics().avroTopics()) {
      List<Integer> registered = system.registry.ids(topic.valueSubject());
      assertThat(registered).as("ids under %s", topic.valueSubject()).isNotEmpty();
      int checked = 0;
      for (var record : TopicRecords.all(system.bootstrap, topic.name())) {
        if (record.value() == null) {
          continue;
        }
        byte[] value = record.value();
        assertThat(value[0]).as("first byte on %s", topic.name()).isZero();
        int id = ByteBuffer.wrap(value, 1, 4).getInt();
        assertThat(registered).as("id on %s", topic.name()).contains(id);
        String answer = http.send(HttpRequest.newBuilder(URI.create(system.registry.url() + "/schemas/ids/" + id))
            .build(), HttpResponse.BodyHandlers.ofString()).body();
        Schema writer = new Schema.Parser().parse(JSON.readTree(answer).get("schema").asText());
        GenericRecord decoded = new GenericDatumReader<GenericRecord>(writer)
            .read(null, DecoderFactory.get().binaryDecoder(value, 5, value.length - 5, null));
        assertThat(decoded.get("connectionId").toString()).as("on %s", topic.name())
            .isEqualTo(new String(record.key(), StandardCharsets.UTF_8));
        checked++;
      }
      assertThat(checked).as("records checked on %s", topic.name()).isPositive();
    }
  }

  @Test
  void schemasCheckPassesForTheRegisteredSchemasAndRegisterIsIdempotent() {
    CliRun check = system.schemas("check");
    assertThat(check.exitCode()).as(check.err()).isZero();
    assertThat(check.out()).contains("compatible " + system.prefix + "connections.status-value")
        .contains("registered as id");
    List<Integer> before = system.registry.ids(system.prefix + "tokens.lifecycle-value");
    assertThat(system.schemas("register").exitCode()).isZero();
    assertThat(system.registry.ids(system.prefix + "tokens.lifecycle-value")).isEqualTo(before);
  }

  @Test
  void schemasCheckFailsWithTheReasonWhenTheRegisteredHistoryCannotReadTheCurrentSchema() throws Exception {
    // A released version with a required field the current schema lacks: old readers cannot read current records.
    String subject = "check-it.tokens.expiry-value";
    Schema old = SchemaBuilder.record("TokenExpiryEvent").namespace("io.tokenwarden.schema").fields()
        .requiredString("eventId").requiredString("mustHave").endRecord();
    HttpClient http = HttpClient.newHttpClient();
    http.send(HttpRequest.newBuilder(URI.create(system.registry.url() + "/subjects/" + subject + "/versions"))
        .header("Content-Type", "application/vnd.schemaregistry.v1+json")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.createObjectNode().put("schema", old.toString()).toString()))
        .build(), HttpResponse.BodyHandlers.ofString());
    http.send(HttpRequest.newBuilder(URI.create(system.registry.url() + "/config/" + subject))
        .PUT(HttpRequest.BodyPublishers.ofString("{\"compatibility\": \"FULL_TRANSITIVE\"}")).build(),
        HttpResponse.BodyHandlers.ofString());

    CliRun check = CliRun.run(Map.of("TOKENWARDEN_TOPIC_PREFIX", "check-it.",
        "TOKENWARDEN_SCHEMA_REGISTRY_URL", system.registry.url()), "schemas", "check");

    assertThat(check.exitCode()).isEqualTo(1);
    assertThat(check.err()).contains("incompatible " + subject).contains("mustHave");
  }

  @Test
  void withoutARegistryUrlTheSchemasCommandsAreAUsageError() {
    CliRun run = CliRun.run(Map.of(), "schemas", "register");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("TOKENWARDEN_SCHEMA_REGISTRY_URL");
  }
}
