package io.tokenwarden.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwarden.contracts.Topics;
import io.tokenwarden.embedded.SharedKafka;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;

/** The runner's lifecycle on the real broker: a fatal error stops the client and gives a non-zero exit code. */
class ExpiryStreamRunnerIT {

  @Test
  void missingTopicsAreAFatalErrorWithExitCodeOne() throws Exception {
    String prefix = "missing-it-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    ExpiryConfig config = ExpiryConfig.of(Map.of(
        "TOKENWARDEN_EXPIRY_APPLICATION_ID", prefix + "expiry",
        "TOKENWARDEN_EXPIRY_STATE_DIR", Files.createTempDirectory("expiry-it").toString()));
    try (ExpiryStreamRunner runner = ExpiryStreamRunner.create(config, Topics.create(prefix, 2),
        Map.of("bootstrap.servers", SharedKafka.bootstrapServers()), new SimpleMeterRegistry())) {
      assertThat(runner.exitCode()).isZero();
      runner.start();
      assertThat(runner.awaitTermination(Duration.ofSeconds(60))).isTrue();
      assertThat(runner.state()).isEqualTo(KafkaStreams.State.ERROR);
      assertThat(runner.fatalError()).isPresent();
      assertThat(runner.exitCode()).isEqualTo(1);
    }
  }
}
