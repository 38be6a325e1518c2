package io.tokenwarden.runtime.config;

import io.tokenwarden.contracts.Topics;
import io.tokenwarden.contracts.WireFormat;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * Settings every Tokenwarden process shares, parsed once from the environment.
 *
 * @param dataDir local directory for the generated demo keyset, the embedded broker's address and state
 * @param topics the topic catalogue, with the configured prefix, partition count and wire format
 *     ({@link WireFormats})
 * @param bootstrapServers {@code KAFKA_BOOTSTRAP_SERVERS}, if set; otherwise the local embedded broker is used
 * @param kafka every {@code KAFKA_*} variable as a Kafka client property
 * @param clockSkew how far in the past an issued token's {@code expiresAt} may lie before it is rejected
 */
public record TokenwardenConfig(
    Path dataDir,
    Topics topics,
    Optional<String> bootstrapServers,
    Map<String, Object> kafka,
    Duration clockSkew) {

  public static TokenwardenConfig from(Env env) {
    Path dataDir = env.getPath("TOKENWARDEN_DATA_DIR", Path.of(System.getProperty("user.home"), ".tokenwarden"));
    int partitions = env.getInt("TOKENWARDEN_PARTITIONS", Topics.DEFAULT_PARTITIONS);
    if (partitions < 1) {
      throw new ConfigException("TOKENWARDEN_PARTITIONS: must be at least 1, got " + partitions);
    }
    WireFormat wireFormat = WireFormats.from(env);
    Topics topics;
    try {
      topics = Topics.create(env.get("TOKENWARDEN_TOPIC_PREFIX", ""), partitions, wireFormat);
    } catch (IllegalArgumentException e) {
      throw new ConfigException("TOKENWARDEN_TOPIC_PREFIX: " + e.getMessage());
    }
    Duration skew = env.getDuration("TOKENWARDEN_CLOCK_SKEW", Duration.ofMinutes(1));
    return new TokenwardenConfig(dataDir, topics, env.get("KAFKA_BOOTSTRAP_SERVERS"), env.kafkaProperties(), skew);
  }

  /** Whether this process talks to the local embedded broker rather than a configured cluster. */
  public boolean local() {
    return bootstrapServers.isEmpty();
  }
}
