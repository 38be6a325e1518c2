package io.tokenwarden.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwarden.contracts.Topics;
import io.tokenwarden.runtime.config.ConfigException;
import io.tokenwarden.runtime.config.Env;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class ExpiryConfigTest {

  @Test
  void defaults() {
    ExpiryConfig config = ExpiryConfig.of(Map.of("TOKENWARDEN_DATA_DIR", "/data"));
    assertThat(config.applicationId()).isEqualTo("tokenwarden-expiry");
    assertThat(config.processingGuarantee()).isEqualTo("exactly_once_v2");
    assertThat(config.stateDir()).isEqualTo(Path.of("/data/streams"));
    assertThat(config.punctuateInterval()).isEqualTo(Duration.ofMillis(100));
    assertThat(config.punctuateMaxTimers()).isEqualTo(10_000);
    assertThat(config.punctuateMaxTime()).isEqualTo(Duration.ofMillis(200));
    assertThat(config.retryBackoff()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.retryBackoffMax()).isEqualTo(Duration.ofMinutes(30));
    assertThat(config.commandTimeout()).isEqualTo(Duration.ofMinutes(5));
    assertThat(config.dedupWindow()).isEqualTo(32);
  }

  @Test
  void everySettingComesFromItsVariable() {
    ExpiryConfig config = ExpiryConfig.of(Map.of(
        "TOKENWARDEN_EXPIRY_APPLICATION_ID", "expiry-eu",
        "TOKENWARDEN_EXPIRY_PROCESSING_GUARANTEE", "at_least_once",
        "TOKENWARDEN_EXPIRY_STATE_DIR", "/var/lib/expiry",
        "TOKENWARDEN_PUNCTUATE_INTERVAL", "PT0.5S",
        "TOKENWARDEN_PUNCTUATE_MAX_TIMERS", "500",
        "TOKENWARDEN_PUNCTUATE_MAX_TIME", "PT0.05S",
        "TOKENWARDEN_RETRY_BACKOFF", "PT5S",
        "TOKENWARDEN_RETRY_BACKOFF_MAX", "PT5M",
        "TOKENWARDEN_COMMAND_TIMEOUT", "PT90S",
        "TOKENWARDEN_EXPIRY_DEDUP_WINDOW", "8"));
    assertThat(config.applicationId()).isEqualTo("expiry-eu");
    assertThat(config.processingGuarantee()).isEqualTo("at_least_once");
    assertThat(config.stateDir()).isEqualTo(Path.of("/var/lib/expiry"));
    assertThat(config.punctuateInterval()).isEqualTo(Duration.ofMillis(500));
    assertThat(config.punctuateMaxTimers()).isEqualTo(500);
    assertThat(config.punctuateMaxTime()).isEqualTo(Duration.ofMillis(50));
    assertThat(config.retryBackoff()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.retryBackoffMax()).isEqualTo(Duration.ofMinutes(5));
    assertThat(config.commandTimeout()).isEqualTo(Duration.ofSeconds(90));
    assertThat(config.dedupWindow()).isEqualTo(8);
  }

  @Test
  void badValuesFailFastNamingTheVariable() {
    assertThatThrownBy(() -> ExpiryConfig.of(Map.of("TOKENWARDEN_PUNCTUATE_INTERVAL", "1s")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TOKENWARDEN_PUNCTUATE_INTERVAL");
    assertThatThrownBy(() -> ExpiryConfig.of(Map.of("TOKENWARDEN_PUNCTUATE_INTERVAL", "PT0S")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TOKENWARDEN_PUNCTUATE_INTERVAL");
    assertThatThrownBy(() -> ExpiryConfig.of(Map.of("TOKENWARDEN_COMMAND_TIMEOUT", "PT0S")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TOKENWARDEN_COMMAND_TIMEOUT");
    assertThatThrownBy(() -> ExpiryConfig.of(Map.of("TOKENWARDEN_PUNCTUATE_MAX_TIMERS", "0")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TOKENWARDEN_PUNCTUATE_MAX_TIMERS");
    assertThatThrownBy(() -> ExpiryConfig.of(Map.of("TOKENWARDEN_EXPIRY_PROCESSING_GUARANTEE", "exactly_once")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TOKENWARDEN_EXPIRY_PROCESSING_GUARANTEE");
  }

  @Test
  void streamsPropertiesApplyDefaultsUnderTheKafkaClientProperties() {
    ExpiryConfig config = ExpiryConfig.of(Map.of());
    Topics topics = Topics.create("eu.", 3);
    Properties props = ExpiryStreamRunner.streamsProperties(config, topics,
        Map.of("bootstrap.servers", "kafka:9092", "processing.guarantee", "at_least_once"), new SimpleMeterRegistry());
    assertThat(props.get("application.id")).isEqualTo("tokenwarden-expiry");
    assertThat(props.get("processing.guarantee")).as("KAFKA_PROCESSING_GUARANTEE wins").isEqualTo("at_least_once");
    assertThat(props.get("errors.dead.letter.queue.topic.name")).isEqualTo("eu.tokens.lifecycle.dlq");
    assertThat(props.get("deserialization.exception.handler")).isEqualTo(DeadLetterHandler.class.getName());
    assertThat(props.get("processing.exception.handler")).isEqualTo(DeadLetterHandler.class.getName());
    assertThatThrownBy(() -> ExpiryStreamRunner.streamsProperties(config, topics, Map.of(), new SimpleMeterRegistry()))
        .hasMessageContaining("bootstrap.servers");
  }

  @Test
  void theStreamProducerBatchesByDefaultAndKafkaVariablesOverrideIt() {
    ExpiryConfig config = ExpiryConfig.of(Map.of());
    Topics topics = Topics.create("eu.", 3);
    // The oracle is Kafka Streams' own resolution of the properties into the producer's configuration.
    Map<String, Object> byDefault = new StreamsConfig(ExpiryStreamRunner.streamsProperties(config, topics,
        Map.of("bootstrap.servers", "kafka:9092"), new SimpleMeterRegistry())).getProducerConfigs("p");
    assertThat(byDefault).containsEntry("batch.size", "262144").containsEntry("linger.ms", "5");

    Env prefixed = Env.of(Map.of("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092", "KAFKA_PRODUCER_LINGER_MS", "20",
        "KAFKA_PRODUCER_BATCH_SIZE", "65536", "KAFKA_CONSUMER_MAX_POLL_RECORDS", "250"));
    StreamsConfig fromPrefixed = new StreamsConfig(ExpiryStreamRunner.streamsProperties(config, topics,
        prefixed.kafkaProperties(), new SimpleMeterRegistry()));
    assertThat(fromPrefixed.getProducerConfigs("p")).containsEntry("linger.ms", "20")
        .containsEntry("batch.size", "65536");
    assertThat(fromPrefixed.getMainConsumerConfigs("g", "c", 0)).containsEntry("max.poll.records", "250");

    Env plain = Env.of(Map.of("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092", "KAFKA_LINGER_MS", "50",
        "KAFKA_BATCH_SIZE", "32768"));
    Map<String, Object> fromPlain = new StreamsConfig(ExpiryStreamRunner.streamsProperties(config, topics,
        plain.kafkaProperties(), new SimpleMeterRegistry())).getProducerConfigs("p");
    assertThat(fromPlain).as("an unprefixed setting is not hidden by a prefixed default")
        .containsEntry("linger.ms", "50").containsEntry("batch.size", "32768");
  }

  @Test
  void streamThreadsDefaultToTheProcessorsButNoMoreThanThePartitionsAndPollMsTo10() {
    assertThat(ExpiryStreamRunner.defaultThreads(2, 6)).isEqualTo(2);
    assertThat(ExpiryStreamRunner.defaultThreads(16, 6)).isEqualTo(6);
    assertThat(ExpiryStreamRunner.defaultThreads(1, 6)).isEqualTo(1);
    Topics onePartition = Topics.create("", 1);
    Properties props = ExpiryStreamRunner.streamsProperties(ExpiryConfig.of(Map.of()), onePartition,
        Map.of("bootstrap.servers", "kafka:9092"), new SimpleMeterRegistry());
    assertThat(props.get("num.stream.threads")).isEqualTo("1");
    Properties set = ExpiryStreamRunner.streamsProperties(ExpiryConfig.of(Map.of()), onePartition,
        Env.of(Map.of("KAFKA_NUM_STREAM_THREADS", "4", "KAFKA_BOOTSTRAP_SERVERS", "k:9092")).kafkaProperties(),
        new SimpleMeterRegistry());
    assertThat(set.get("num.stream.threads")).isEqualTo("4");
    assertThat(new StreamsConfig(props).getLong(StreamsConfig.POLL_MS_CONFIG)).isEqualTo(10L);
    assertThat(new StreamsConfig(ExpiryStreamRunner.streamsProperties(ExpiryConfig.of(Map.of()), onePartition,
        Env.of(Map.of("KAFKA_POLL_MS", "100", "KAFKA_BOOTSTRAP_SERVERS", "k:9092")).kafkaProperties(),
        new SimpleMeterRegistry())).getLong(StreamsConfig.POLL_MS_CONFIG)).isEqualTo(100L);
  }
}
