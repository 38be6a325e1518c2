package io.tokenwarden.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwarden.contracts.Topics;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.stream.ExpiryConfig;
import io.tokenwarden.stream.ExpiryStreamRunner;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The Kafka Streams applications the bench runs, built the same way in the bench's JVM and in a
 * {@link StreamChild}: the shipped expiry stream as {@code tokenwarden run --stream} composes it, and the
 * {@link EosPassThrough} baseline, with the runner's properties.
 */
final class BenchStreams {

  /** Which application: {@code tokenwarden} or {@code eos-pass-through}. */
  static final String KIND = "BENCH_KIND";
  /** The size of the pass-through's output records. */
  static final String STATUS_BYTES = "BENCH_STATUS_BYTES";

  private BenchStreams() {}

  static KafkaStreams create(Map<String, String> vars, Map<String, Object> kafka) {
    ExpiryConfig config = ExpiryConfig.from(Env.of(vars));
    Topics topics = Topics.create(vars.get("TOKENWARDEN_TOPIC_PREFIX"),
        Integer.parseInt(vars.get("TOKENWARDEN_PARTITIONS")));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    String kind = vars.getOrDefault(KIND, "tokenwarden");
    return switch (kind) {
      case "tokenwarden" -> ExpiryStreamRunner.create(config, topics, kafka, registry).streams();
      case "eos-pass-through" -> new KafkaStreams(
          EosPassThrough.topology(topics, Integer.parseInt(vars.getOrDefault(STATUS_BYTES, "100"))),
          ExpiryStreamRunner.streamsProperties(config, topics, kafka, registry));
      default -> throw new IllegalArgumentException(KIND + ": unknown " + kind);
    };
  }
}
