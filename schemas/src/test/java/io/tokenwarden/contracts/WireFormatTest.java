package io.tokenwarden.contracts;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.wireMockConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.junit5.WireMockExtension;
import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.schema.TokenLifecycleEvent;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Both wire formats through the catalogue's serdes, with WireMock standing in for the registry's REST API in the
 * shapes of Confluent's "Schema Registry API Reference"
 * (https://docs.confluent.io/platform/current/schema-registry/develop/api.html).
 */
class WireFormatTest {

  @RegisterExtension
  static WireMockExtension registry = WireMockExtension.newInstance().options(wireMockConfig().dynamicPort()).build();

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOPIC = "tokens.lifecycle";
  private static final int ID = 0x01020304;

  private static String schemaBody(Schema schema) {
    return JSON.createObjectNode().put("schema", schema.toString()).toString();
  }

  private static SchemaRegistryClient client() {
    return new SchemaRegistryClient(new SchemaRegistryClient.Settings(List.of(URI.create(registry.baseUrl())),
        Optional.empty(), Optional.empty(), Duration.ofSeconds(5), Duration.ofSeconds(5), 1, Duration.ofMillis(10),
        Duration.ofMillis(10)));
  }

  private static void registered(String subject, Schema schema, int id) {
    registry.stubFor(post("/subjects/" + subject).withRequestBody(equalToJson(schemaBody(schema)))
        .willReturn(okJson("{\"subject\": \"" + subject + "\", \"id\": " + id + ", \"version\": 1, \"schema\": "
            + JSON.valueToTree(schema.toString()) + "}")));
    registry.stubFor(get("/schemas/ids/" + id).willReturn(okJson(schemaBody(schema))));
  }

  private static Serde<TokenLifecycleEvent> lifecycle(WireFormat format) {
    return format.valueSerde(TOPIC, TokenLifecycleEvent.class);
  }

  @Test
  void confluentFormatIsMagicByteBigEndianIdThenThePlainAvroBody() {
    registered("tokens.lifecycle-value", TokenLifecycleEvent.getClassSchema(), ID);
    TokenLifecycleEvent event = ContractSamples.lifecycle();

    byte[] bytes = lifecycle(WireFormat.confluent(client(), false)).serializer().serialize(TOPIC, event);

    assertThat(Arrays.copyOf(bytes, 5)).containsExactly(0x00, 0x01, 0x02, 0x03, 0x04);
    // The body is the Avro binary encoding that single-object encoding carries after its 10-byte header.
    byte[] singleObject = AvroSerde.of(TokenLifecycleEvent.class).encode(event);
    assertThat(Arrays.copyOfRange(bytes, 5, bytes.length))
        .isEqualTo(Arrays.copyOfRange(singleObject, 10, singleObject.length));
  }

  @Test
  void aPlainGenericDatumReaderWithTheSchemaFetchedByIdDecodesTheBody() throws Exception {
    registered("tokens.lifecycle-value", TokenLifecycleEvent.getClassSchema(), ID);
    byte[] bytes = lifecycle(WireFormat.confluent(client(), false)).serializer()
        .serialize(TOPIC, ContractSamples.lifecycle());

    int id = ByteBuffer.wrap(bytes, 1, 4).getInt();
    String answer = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create(registry.baseUrl() + "/schemas/ids/" + id)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    Schema writer = new Schema.Parser().parse(JSON.readTree(answer).get("schema").asText());
    GenericRecord record = new GenericDatumReader<GenericRecord>(writer)
        .read(null, DecoderFactory.get().binaryDecoder(bytes, 5, bytes.length - 5, null));

    assertThat(record.get("connectionId").toString()).isEqualTo("conn-1");
    assertThat(record.get("provider").toString()).isEqualTo("linkedin");
    assertThat(((GenericRecord) record.get("payload")).getSchema().getName()).isEqualTo("TokenIssued");
  }

  @Test
  void readersAcceptBothFormatsWhateverTheyWrite() {
    registered("tokens.lifecycle-value", TokenLifecycleEvent.getClassSchema(), ID);
    TokenLifecycleEvent event = ContractSamples.lifecycle();
    SchemaRegistryClient client = client();
    byte[] confluent = lifecycle(WireFormat.confluent(client, false)).serializer().serialize(TOPIC, event);
    byte[] singleObject = lifecycle(WireFormat.singleObject()).serializer().serialize(TOPIC, event);

    assertThat(singleObject[0]).isEqualTo((byte) 0xC3);
    for (WireFormat reader : List.of(WireFormat.singleObject(client()), WireFormat.confluent(client(), false))) {
      assertThat(lifecycle(reader).deserializer().deserialize(TOPIC, confluent)).isEqualTo(event);
      assertThat(lifecycle(reader).deserializer().deserialize(TOPIC, singleObject)).isEqualTo(event);
    }
  }

  @Test
  void singleObjectNeedsNoRegistryAtAll() {
    TokenLifecycleEvent event = ContractSamples.lifecycle();
    Serde<TokenLifecycleEvent> serde = lifecycle(WireFormat.confluent(client(), false));
    byte[] singleObject = AvroSerde.of(TokenLifecycleEvent.class).encode(event);

    assertThat(serde.deserializer().deserialize(TOPIC, singleObject)).isEqualTo(event);
    assertThat(lifecycle(WireFormat.singleObject()).serializer().serialize(TOPIC, event)).isEqualTo(singleObject);
    registry.verify(0, anyRequestedFor(anyUrl()));
  }

  @Test
  void aConfluentRecordWithoutARegistryIsUndecodableAndSaysWhatToSet() {
    byte[] bytes = {0, 0, 0, 0, 1, 2, 4, 6};
    assertThatThrownBy(() -> lifecycle(WireFormat.singleObject()).deserializer().deserialize(TOPIC, bytes))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("TOKENWARDEN_SCHEMA_REGISTRY_URL");
  }

  @Test
  void olderWriterSchemasResolveAgainstTheCurrentClass() throws IOException {
    List<Schema> versions = SchemaHistory.versions("TokenLifecycleEvent");
    Schema v1 = versions.get(0);
    registry.stubFor(get("/schemas/ids/1").willReturn(okJson(schemaBody(v1))));
    byte[] golden;
    try (InputStream in = getClass().getResourceAsStream("/golden/TokenLifecycleEvent.v1.bin")) {
      golden = in.readAllBytes();
    }
    // The v1 golden sample's Avro body, framed as a Confluent record written with schema id 1.
    byte[] bytes = new byte[golden.length - 10 + 5];
    ByteBuffer.wrap(bytes).put((byte) 0).putInt(1).put(golden, 10, golden.length - 10);

    assertThat(lifecycle(WireFormat.confluent(client(), false)).deserializer().deserialize(TOPIC, bytes))
        .isEqualTo(ContractSamples.lifecycle(1));
  }

  @Test
  void unknownIdsAndWrongTypesAreUndecodableButAnOutageIsNot() {
    registry.stubFor(get("/schemas/ids/404").willReturn(aResponse().withStatus(404)
        .withBody("{\"error_code\": 40403, \"message\": \"Schema not found\"}")));
    registry.stubFor(get("/schemas/ids/77").willReturn(okJson(schemaBody(ConnectionStatus.getClassSchema()))));
    registry.stubFor(get("/schemas/ids/503").willReturn(aResponse().withStatus(503)));
    Serde<TokenLifecycleEvent> serde = lifecycle(WireFormat.confluent(client(), false));
    byte[] body = Arrays.copyOfRange(AvroSerde.of(TokenLifecycleEvent.class).encode(ContractSamples.lifecycle()), 10,
        AvroSerde.of(TokenLifecycleEvent.class).encode(ContractSamples.lifecycle()).length);

    assertThatThrownBy(() -> serde.deserializer().deserialize(TOPIC, framed(404, body)))
        .isInstanceOf(SerializationException.class).hasMessageContaining("schema id 404");
    assertThatThrownBy(() -> serde.deserializer().deserialize(TOPIC, framed(77, body)))
        .isInstanceOf(SerializationException.class).hasMessageContaining("TokenLifecycleEvent");
    assertThatThrownBy(() -> serde.deserializer().deserialize(TOPIC, framed(503, body)))
        .isInstanceOf(SchemaRegistryUnavailableException.class)
        .isNotInstanceOf(SerializationException.class);
    assertThatThrownBy(() -> serde.deserializer().deserialize(TOPIC, new byte[] {0, 1}))
        .isInstanceOf(SerializationException.class);
  }

  @Test
  void tombstonesStayNullInBothFormats() {
    Serde<ConnectionStatus> serde = WireFormat.confluent(client(), false).valueSerde("s", ConnectionStatus.class);
    assertThat(serde.serializer().serialize("s", null)).isNull();
    assertThat(serde.deserializer().deserialize("s", null)).isNull();
    registry.verify(0, anyRequestedFor(anyUrl()));
  }

  @Test
  void writersResolveTheirIdsAtStartUpAndNeverAskAgain() {
    Topics topics = Topics.create("", 1, WireFormat.confluent(client(), false));
    for (Topic<?, ?> topic : topics.avroTopics()) {
      registered(topic.valueSubject(), topic.valueSchema().orElseThrow(), 100 + topics.avroTopics().indexOf(topic));
    }

    topics.wireFormat().resolveWriters(topics.all());
    registry.resetRequests();
    byte[] status = topics.status.valueSerde().serializer().serialize("x", ContractSamples.status(SchemaHistory.versions("ConnectionStatus").size()));

    assertThat(ByteBuffer.wrap(status, 1, 4).getInt()).isEqualTo(103);
    registry.verify(0, anyRequestedFor(anyUrl()));
  }

  @Test
  void startUpSaysWhenTheRegistryIsDownOrOurSchemasAreMissing() {
    registry.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(404)
        .withBody("{\"error_code\": 40401, \"message\": \"Subject not found.\"}")));
    Topics missing = Topics.create("", 1, WireFormat.confluent(client(), false));
    assertThatThrownBy(() -> missing.wireFormat().resolveWriters(missing.all()))
        .isInstanceOf(SerializationException.class)
        .hasMessageContaining("schemas register");

    registry.stubFor(post(anyUrl()).willReturn(aResponse().withStatus(503)));
    Topics down = Topics.create("", 1, WireFormat.confluent(client(), false));
    assertThatThrownBy(() -> down.wireFormat().resolveWriters(down.all()))
        .isInstanceOf(SchemaRegistryUnavailableException.class)
        .hasMessageContaining(registry.baseUrl());
  }

  private static byte[] framed(int id, byte[] body) {
    return ByteBuffer.allocate(5 + body.length).put((byte) 0).putInt(id).put(body).array();
  }
}
