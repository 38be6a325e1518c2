package io.tokenwarden.producer;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwarden.embedded.SharedKafka;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.runtime.config.TokenwardenConfig;
import io.tokenwarden.runtime.provider.Providers;
import io.tokenwarden.runtime.sealing.CredentialSealer;
import io.tokenwarden.runtime.sealing.Keysets;
import io.tokenwarden.runtime.topics.TopicAdmin;
import java.io.File;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/** The publisher against the real broker, and the wire format read by a plain Avro reader. */
class TokenEventPublisherIT {

  @Test
  void recordDecodesWithAPlainGenericReaderFromTheAvscFilesAlone() throws Exception {
    String bootstrap = SharedKafka.bootstrapServers();
    Env env = Env.of(Map.of("TOKENWARDEN_TOPIC_PREFIX", "publisher-it.", "TOKENWARDEN_PARTITIONS", "2",
        "KAFKA_BOOTSTRAP_SERVERS", bootstrap));
    TokenwardenConfig config = TokenwardenConfig.from(env);
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      new TopicAdmin(admin, (short) 1).ensure(config.topics());
    }
    Instant expiresAt = Instant.now().plusSeconds(3600).truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
    try (var publisher = TokenEventPublisher.create(config, bootstrap, new CredentialSealer(Keysets.generate()),
        new Providers(env))) {
      var metadata = publisher.issued(IssuedToken.of("conn-interop", "tiktok", "acct-9", "at-interop",
          "rt-interop", expiresAt)).get();
      assertThat(metadata.topic()).isEqualTo("publisher-it.tokens.lifecycle");
    }

    byte[] value = readOne(bootstrap, config.topics().lifecycle.name());
    assertThat(value[0]).isEqualTo((byte) 0xC3);
    assertThat(value[1]).isEqualTo((byte) 0x01);

    // What a reader in another language does: parse the .avsc files, skip the 10-byte header, read the body.
    Schema.Parser parser = new Schema.Parser();
    File avro = Path.of("..", "schemas", "src", "main", "avro").toFile();
    parser.parse(new File(avro, "SealedCredentials.avsc"));
    Schema schema = parser.parse(new File(avro, "TokenLifecycleEvent.avsc"));
    var reader = new GenericDatumReader<GenericRecord>(schema);
    GenericRecord record = reader.read(null,
        DecoderFactory.get().binaryDecoder(value, 10, value.length - 10, null));
    assertThat(record.get("connectionId").toString()).isEqualTo("conn-interop");
    assertThat(record.get("provider").toString()).isEqualTo("tiktok");
    GenericRecord payload = (GenericRecord) record.get("payload");
    assertThat(payload.getSchema().getName()).isEqualTo("TokenIssued");
    assertThat(payload.get("expiresAt")).isEqualTo(expiresAt.toEpochMilli());
    GenericRecord credentials = (GenericRecord) payload.get("credentials");
    assertThat(((ByteBuffer) credentials.get("ciphertext")).remaining()).isGreaterThan(20);
    assertThat(new String(value, java.nio.charset.StandardCharsets.ISO_8859_1))
        .doesNotContain("at-interop").doesNotContain("rt-interop");
  }

  private static byte[] readOne(String bootstrap, String topic) {
    Map<String, Object> props = Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.GROUP_ID_CONFIG, "publisher-it-reader",
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    try (var consumer = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(topic));
      List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (records.isEmpty() && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(500)).forEach(records::add);
      }
      assertThat(records).hasSize(1);
      assertThat(records.get(0).key()).isEqualTo("conn-interop");
      return records.get(0).value();
    }
  }
}
