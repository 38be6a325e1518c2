package io.tokenwarden.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

/**
 * {@code schemas/asyncapi.yaml} is generated from the catalogue and the current schemas. A change to either
 * without regenerating it fails here; {@code -Dasyncapi.write=true} rewrites it. {@code .ci/run} validates the
 * committed file with the AsyncAPI CLI.
 */
class AsyncApiDocumentTest {

  private static final Path FILE = Path.of(AsyncApiDocument.PATH);

  @Test
  void theCommittedFileIsWhatTheCatalogueGenerates() throws IOException {
    String generated = AsyncApiDocument.yaml();
    if (Boolean.getBoolean("asyncapi.write")) {
      Files.writeString(FILE, generated, StandardCharsets.UTF_8);
    }
    assertThat(Files.exists(FILE)).as("schemas/%s exists", FILE).isTrue();
    assertThat(Files.readString(FILE, StandardCharsets.UTF_8))
        .as("schemas/asyncapi.yaml drifted from the Topics catalogue or the .avsc schemas; regenerate it with"
            + " ./mvnw -q -pl schemas test -Dtest=AsyncApiDocumentTest -Dasyncapi.write=true")
        .isEqualTo(generated);
  }

  @Test
  void everyTopicIsAChannelWithItsBindingsAndEveryValueSchemaIsTheCurrentOne() throws IOException {
    JsonNode doc = new ObjectMapper(new YAMLFactory()).readTree(Files.readString(FILE, StandardCharsets.UTF_8));
    Topics topics = Topics.defaults();

    assertThat(doc.path("asyncapi").asText()).isEqualTo("3.0.0");
    assertThat(doc.path("channels").size()).isEqualTo(topics.all().size());
    for (Topic<?, ?> topic : topics.all()) {
      JsonNode channel = doc.path("channels").path(topic.name());
      assertThat(channel.path("address").asText()).isEqualTo(topic.name());
      JsonNode kafka = channel.path("bindings").path("kafka");
      assertThat(kafka.path("partitions").asInt()).isEqualTo(topic.partitions());
      assertThat(kafka.path("topicConfiguration").path("cleanup.policy").get(0).asText())
          .isEqualTo(topic.cleanupPolicy());
      assertThat(kafka.path("topicConfiguration").path("retention.ms").asLong())
          .isEqualTo(topic.retention().map(r -> r.toMillis()).orElse(-1L));
      String message = channel.path("messages").fieldNames().next();
      JsonNode payload = doc.path("components").path("messages").path(message).path("payload");
      if (topic.valueSchema().isPresent()) {
        Schema documented = new Schema.Parser().parse(payload.path("schema").toString());
        assertThat(documented).isEqualTo(SchemaHistory.CURRENT.get(message));
      } else {
        JsonNode headers = doc.path("components").path("messages").path(message).path("headers").path("properties");
        assertThat(headers.has(DeadLetters.REASON)).isTrue();
        assertThat(headers.has(DeadLetters.OFFSET)).isTrue();
      }
    }
    assertThat(doc.path("operations").size()).isGreaterThanOrEqualTo(topics.all().size());
  }
}
