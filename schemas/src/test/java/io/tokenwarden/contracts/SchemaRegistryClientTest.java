package io.tokenwarden.contracts;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import com.github.tomakehurst.wiremock.stubbing.Scenario;
import io.tokenwarden.schema.ConnectionStatus;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The registry client against WireMock standing in for the registry's REST API. Requests and answers have the
 * shapes documented in Confluent's "Schema Registry API Reference"
 * (https://docs.confluent.io/platform/current/schema-registry/develop/api.html): {@code {"schema": "..."}} bodies
 * with content type {@code application/vnd.schemaregistry.v1+json}, {@code {"id": N}} from register,
 * {@code {"subject", "id", "version", "schema"}} from a lookup, {@code {"is_compatible", "messages"}} from a
 * compatibility test, and errors as {@code {"error_code": 40403, "message": "Schema not found"}}.
 */
class SchemaRegistryClientTest {

  @RegisterExtension
  static WireMockExtension registry = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final Schema SCHEMA = ConnectionStatus.getClassSchema();
  private static final ObjectMapper JSON = new ObjectMapper();

  private static String schemaBody(Schema schema) {
    return JSON.createObjectNode().put("schema", schema.toString()).toString();
  }

  private SchemaRegistryClient client(int maxRetries) {
    return new SchemaRegistryClient(new SchemaRegistryClient.Settings(List.of(URI.create(registry.baseUrl())),
        Optional.empty(), Optional.empty(), Duration.ofSeconds(5), Duration.ofSeconds(5), maxRetries,
        Duration.ofMillis(10), Duration.ofMillis(20)));
  }

  @Test
  void registerPostsTheSchemaAsAJsonStringAndReturnsTheId() {
    registry.stubFor(post("/subjects/connections.status-value/versions")
        .withHeader("Content-Type", equalTo(CONTENT_TYPE))
        .withRequestBody(equalToJson(schemaBody(SCHEMA)))
        .willReturn(okJson("{\"id\": 42}").withHeader("Content-Type", CONTENT_TYPE)));

    assertThat(client(0).register("connections.status-value", SCHEMA)).isEqualTo(42);
  }

  @Test
  void schemaByIdParsesTheAnswerAndCachesIt() {
    registry.stubFor(get("/schemas/ids/7").willReturn(okJson(schemaBody(SCHEMA))));
    SchemaRegistryClient client = client(0);

    assertThat(client.schemaById(7)).isEqualTo(SCHEMA);
    assertThat(client.schemaById(7)).isEqualTo(SCHEMA);
    registry.verify(1, getRequestedFor(urlEqualTo("/schemas/ids/7")));
  }

  @Test
  void unknownIdIsAPermanentErrorWithTheRegistrysCode() {
    registry.stubFor(get("/schemas/ids/99").willReturn(aResponse().withStatus(404)
        .withHeader("Content-Type", CONTENT_TYPE).withBody("{\"error_code\": 40403, \"message\": \"Schema not found\"}")));

    assertThatThrownBy(() -> client(3).schemaById(99))
        .isInstanceOfSatisfying(SchemaRegistryException.class, e -> {
          assertThat(e.status()).isEqualTo(404);
          assertThat(e.errorCode()).isEqualTo(40403);
        })
        .hasMessageContaining("Schema not found");
    registry.verify(1, getRequestedFor(urlEqualTo("/schemas/ids/99")));
  }

  @Test
  void lookupReturnsTheIdOrEmptyWhenSubjectOrSchemaIsUnknown() {
    registry.stubFor(post("/subjects/a-value").withRequestBody(equalToJson(schemaBody(SCHEMA)))
        .willReturn(okJson("{\"subject\": \"a-value\", \"id\": 3, \"version\": 1, \"schema\": "
            + JSON.valueToTree(SCHEMA.toString()) + "}")));
    registry.stubFor(post("/subjects/b-value").willReturn(aResponse().withStatus(404)
        .withBody("{\"error_code\": 40401, \"message\": \"Subject 'b-value' not found.\"}")));
    registry.stubFor(post("/subjects/c-value").willReturn(aResponse().withStatus(404)
        .withBody("{\"error_code\": 40403, \"message\": \"Schema not found\"}")));
    SchemaRegistryClient client = client(0);

    assertThat(client.lookup("a-value", SCHEMA)).hasValue(3);
    assertThat(client.lookup("b-value", SCHEMA)).isEmpty();
    assertThat(client.lookup("c-value", SCHEMA)).isEmpty();
    // The found id is cached, and so is its schema.
    assertThat(client.lookup("a-value", SCHEMA)).hasValue(3);
    registry.verify(1, postRequestedFor(urlEqualTo("/subjects/a-value")));
    assertThat(client.schemaById(3)).isEqualTo(SCHEMA);
  }

  @Test
  void idForRegistersOnlyWhenAllowed() {
    registry.stubFor(post("/subjects/d-value").willReturn(aResponse().withStatus(404)
        .withBody("{\"error_code\": 40401, \"message\": \"Subject 'd-value' not found.\"}")));
    registry.stubFor(post("/subjects/d-value/versions").willReturn(okJson("{\"id\": 11}")));

    assertThatThrownBy(() -> client(0).idFor("d-value", SCHEMA, false))
        .isInstanceOf(SchemaRegistryException.class)
        .hasMessageContaining("not registered under subject d-value")
        .hasMessageContaining("schemas register");
    registry.verify(0, postRequestedFor(urlEqualTo("/subjects/d-value/versions")));
    assertThat(client(0).idFor("d-value", SCHEMA, true)).isEqualTo(11);
  }

  @Test
  void compatibilityTestReportsTheRegistrysMessages() {
    registry.stubFor(post("/compatibility/subjects/s-value/versions?verbose=true")
        .withRequestBody(equalToJson(schemaBody(SCHEMA)))
        .willReturn(okJson("{\"is_compatible\": false, \"messages\": [\"READER_FIELD_MISSING_DEFAULT_VALUE: x\"]}")));
    registry.stubFor(post("/compatibility/subjects/ok-value/versions?verbose=true")
        .willReturn(okJson("{\"is_compatible\": true, \"messages\": []}")));

    var incompatible = client(0).testCompatibility("s-value", SCHEMA);
    assertThat(incompatible.compatible()).isFalse();
    assertThat(incompatible.messages()).containsExactly("READER_FIELD_MISSING_DEFAULT_VALUE: x");
    assertThat(client(0).testCompatibility("ok-value", SCHEMA).compatible()).isTrue();
  }

  @Test
  void setCompatibilityPutsTheLevel() {
    registry.stubFor(put("/config/s-value").withHeader("Content-Type", equalTo(CONTENT_TYPE))
        .withRequestBody(equalToJson("{\"compatibility\": \"FULL_TRANSITIVE\"}"))
        .willReturn(okJson("{\"compatibility\": \"FULL_TRANSITIVE\"}")));

    assertThat(client(0).setCompatibility("s-value", "FULL_TRANSITIVE")).isEqualTo("FULL_TRANSITIVE");
  }

  @Test
  void serverErrorsAreRetriedUntilTheRegistryAnswers() {
    registry.stubFor(get("/schemas/ids/5").inScenario("flaky").whenScenarioStateIs(Scenario.STARTED)
        .willReturn(aResponse().withStatus(503)).willSetStateTo("second"));
    registry.stubFor(get("/schemas/ids/5").inScenario("flaky").whenScenarioStateIs("second")
        .willReturn(aResponse().withStatus(500).withBody("{\"error_code\": 50001, \"message\": \"store\"}"))
        .willSetStateTo("up"));
    registry.stubFor(get("/schemas/ids/5").inScenario("flaky").whenScenarioStateIs("up")
        .willReturn(okJson(schemaBody(SCHEMA))));

    assertThat(client(2).schemaById(5)).isEqualTo(SCHEMA);
    registry.verify(3, getRequestedFor(urlEqualTo("/schemas/ids/5")));
  }

  @Test
  void aRegistryThatStaysDownIsAnOutageUntilItAnswersAgain() {
    registry.stubFor(get("/schemas/ids/6").willReturn(aResponse().withStatus(503)));
    SchemaRegistryClient client = client(2);

    assertThatThrownBy(() -> client.schemaById(6))
        .isInstanceOf(SchemaRegistryUnavailableException.class)
        .hasMessageContaining("after 3 attempts")
        .hasMessageContaining("HTTP 503");
    registry.verify(3, getRequestedFor(urlEqualTo("/schemas/ids/6")));
    assertThat(client.outage()).hasValueSatisfying(o -> assertThat(o).contains("unavailable"));

    registry.stubFor(get("/schemas/ids/6").willReturn(okJson(schemaBody(SCHEMA))));
    assertThat(client.schemaById(6)).isEqualTo(SCHEMA);
    assertThat(client.outage()).isEmpty();
  }

  @Test
  void slowAnswersTimeOutAndCountAsAnOutage() {
    registry.stubFor(get("/schemas/ids/8").willReturn(okJson(schemaBody(SCHEMA)).withFixedDelay(2_000)));

    var impatient = new SchemaRegistryClient(new SchemaRegistryClient.Settings(List.of(URI.create(registry.baseUrl())),
        Optional.empty(), Optional.empty(), Duration.ofSeconds(5), Duration.ofMillis(300), 1, Duration.ofMillis(10),
        Duration.ofMillis(10)));
    assertThatThrownBy(() -> impatient.schemaById(8))
        .isInstanceOf(SchemaRegistryUnavailableException.class)
        .hasMessageContaining("after 2 attempts")
        .hasMessageContaining("HttpTimeoutException");
  }

  @Test
  void aClosedPortIsAnOutageNamingTheUrl() throws IOException {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    var fast = new SchemaRegistryClient(new SchemaRegistryClient.Settings(List.of(URI.create("http://localhost:" + port)),
        Optional.empty(), Optional.empty(), Duration.ofSeconds(1), Duration.ofSeconds(1), 1, Duration.ofMillis(10),
        Duration.ofMillis(10)));

    assertThatThrownBy(() -> fast.lookup("x-value", SCHEMA))
        .isInstanceOf(SchemaRegistryUnavailableException.class)
        .hasMessageContaining("http://localhost:" + port)
        .hasMessageContaining("ConnectException");
  }

  @Test
  void clientErrorsAreNotRetried() {
    registry.stubFor(post("/subjects/e-value/versions").willReturn(aResponse().withStatus(409)
        .withBody("{\"error_code\": 409, \"message\": \"Schema being registered is incompatible\"}")));

    assertThatThrownBy(() -> client(3).register("e-value", SCHEMA))
        .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.status()).isEqualTo(409))
        .hasMessageContaining("incompatible");
    registry.verify(1, postRequestedFor(urlEqualTo("/subjects/e-value/versions")));
  }

  @Test
  void basicAuthIsSentAsConfluentClientsSendIt() {
    registry.stubFor(get("/schemas/ids/9").withBasicAuth("sr-user", "sr-pass:with-colon")
        .willReturn(okJson(schemaBody(SCHEMA))));
    var client = new SchemaRegistryClient(new SchemaRegistryClient.Settings(List.of(URI.create(registry.baseUrl())),
        Optional.of("sr-user:sr-pass:with-colon"), Optional.empty(), Duration.ofSeconds(5), Duration.ofSeconds(5), 0,
        Duration.ofMillis(10), Duration.ofMillis(10)));

    assertThat(client.schemaById(9)).isEqualTo(SCHEMA);
    assertThat(client.toString()).doesNotContain("sr-pass");
  }

  @Test
  void theNextUrlIsTriedWhenOneIsDown() throws IOException {
    int closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    registry.stubFor(get("/schemas/ids/10").willReturn(okJson(schemaBody(SCHEMA))));
    var client = new SchemaRegistryClient(new SchemaRegistryClient.Settings(
        List.of(URI.create("http://localhost:" + closed), URI.create(registry.baseUrl())), Optional.empty(),
        Optional.empty(), Duration.ofSeconds(5), Duration.ofSeconds(5), 1, Duration.ofMillis(10), Duration.ofMillis(10)));

    assertThat(client.schemaById(10)).isEqualTo(SCHEMA);
  }

  @Test
  void settingsRejectUrlsWithCredentialsWithoutEchoingThem() {
    assertThatThrownBy(() -> SchemaRegistryClient.Settings.of(List.of(URI.create("https://u:secret-pw@sr:8081"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("secret-pw");
    assertThatThrownBy(() -> SchemaRegistryClient.Settings.of(List.of(URI.create("ftp://sr"))))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anOversizedAnswerIsRefused() {
    registry.stubFor(get("/schemas/ids/12").willReturn(okJson("{\"schema\": \""
        + "x".repeat(SchemaRegistryClient.MAX_RESPONSE_BYTES) + "\"}")));

    assertThatThrownBy(() -> client(0).schemaById(12))
        .isInstanceOf(SchemaRegistryException.class)
        .hasMessageContaining("larger than");
  }
}
