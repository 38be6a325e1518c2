package io.tokenwarden.cli;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.tokenwarden.contracts.WireFormat;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.runtime.config.KafkaClients;
import io.tokenwarden.runtime.config.TokenwardenConfig;
import io.tokenwarden.runtime.ops.Health;
import io.tokenwarden.stream.ExpiryConfig;
import io.tokenwarden.stream.ExpiryStreamRunner;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;

/** The expiry stream as one service of a {@code tokenwarden run} process: runner, meters and health. */
final class StreamService implements AutoCloseable {

  /** Name of the gauge of the Streams state: 1 for the current state, 0 for the others. */
  static final String STATE_GAUGE = "tokenwarden.stream.state";

  private final ExpiryStreamRunner runner;
  private final KafkaStreamsMetrics kafkaMetrics;
  private final WireFormat wireFormat;

  StreamService(Env env, TokenwardenConfig config, String bootstrap, MeterRegistry registry) {
    Map<String, Object> props = KafkaClients.base(config, bootstrap);
    this.wireFormat = config.topics().wireFormat();
    this.runner = ExpiryStreamRunner.create(ExpiryConfig.from(env), config.topics(), props, registry);
    // KafkaStreams.State is not numeric, so the Kafka binders skip it.
    for (KafkaStreams.State state : KafkaStreams.State.values()) {
      Gauge.builder(STATE_GAUGE, runner, r -> r.state() == state ? 1 : 0)
          .description("1 for the current Kafka Streams state of the expiry stream")
          .tag("state", state.name())
          .register(registry);
    }
    this.kafkaMetrics = new KafkaStreamsMetrics(runner.streams());
    kafkaMetrics.bindTo(registry);
  }

  void start() {
    runner.start();
  }

  /** Ready only in RUNNING, not while rebalancing, and not while it waits for an unreachable schema registry. */
  Health ready() {
    return () -> {
      KafkaStreams.State state = runner.state();
      var outage = wireFormat.outage();
      return new Health.Status(state == KafkaStreams.State.RUNNING && outage.isEmpty(),
          "stream " + state + outage.map(o -> " waiting: " + o).orElse(""));
    };
  }

  /** Live unless the client is in ERROR or NOT_RUNNING (or on its way there). */
  Health live() {
    return () -> {
      KafkaStreams.State state = runner.state();
      boolean dead = state == KafkaStreams.State.ERROR || state == KafkaStreams.State.NOT_RUNNING
          || state == KafkaStreams.State.PENDING_ERROR;
      return new Health.Status(!dead, "stream " + state);
    };
  }

  KafkaStreams.State state() {
    return runner.state();
  }


  int exitCode() {
    return runner.exitCode();
  }

  void close(Duration timeout) {
    runner.close(timeout);
    kafkaMetrics.close();
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }
}
