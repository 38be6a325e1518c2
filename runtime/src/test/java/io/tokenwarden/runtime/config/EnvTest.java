package io.tokenwarden.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnvTest {

  @Test
  void kafkaVariablesBecomeClientProperties() {
    Env env = Env.of(Map.of(
        "KAFKA_BOOTSTRAP_SERVERS", "b1:9092,b2:9092",
        "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
        "KAFKA_MAX_POLL_RECORDS", "100",
        "TOKENWARDEN_DATA_DIR", "/tmp/x",
        "KAFKA_", "ignored",
        "PATH", "/bin"));
    assertThat(env.kafkaProperties()).containsExactlyInAnyOrderEntriesOf(Map.of(
        "bootstrap.servers", "b1:9092,b2:9092",
        "security.protocol", "SASL_SSL",
        "max.poll.records", "100"));
  }

  @Test
  void typedGettersNameTheVariableOnBadInput() {
    Env env = Env.of(Map.of("TOKENWARDEN_PUNCTUATE_INTERVAL", "1s", "TOKENWARDEN_PARTITIONS", "six",
        "TOKENWARDEN_FLAG", "maybe"));
    assertThatThrownBy(() -> env.getDuration("TOKENWARDEN_PUNCTUATE_INTERVAL", Duration.ofSeconds(1)))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TOKENWARDEN_PUNCTUATE_INTERVAL")
        .hasMessageContaining("ISO-8601");
    assertThatThrownBy(() -> env.getInt("TOKENWARDEN_PARTITIONS", 6))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TOKENWARDEN_PARTITIONS");
    assertThatThrownBy(() -> env.getBoolean("TOKENWARDEN_FLAG", false))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TOKENWARDEN_FLAG");
    assertThat(env.getDuration("TOKENWARDEN_UNSET", Duration.ofSeconds(3))).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void envKeyUpperCasesAndReplacesNonAlphanumerics() {
    assertThat(Env.envKey("acme-oauth.v2")).isEqualTo("ACME_OAUTH_V2");
  }

  @Test
  void configUsesPrefixAndPartitionsAndKnowsWhetherItIsLocal() {
    var local = TokenwardenConfig.from(Env.of(Map.of("TOKENWARDEN_TOPIC_PREFIX", "dev.",
        "TOKENWARDEN_PARTITIONS", "3")));
    assertThat(local.local()).isTrue();
    assertThat(local.topics().lifecycle.name()).isEqualTo("dev.tokens.lifecycle");
    assertThat(local.topics().lifecycle.partitions()).isEqualTo(3);
    var remote = TokenwardenConfig.from(Env.of(Map.of("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092")));
    assertThat(remote.local()).isFalse();
    assertThatThrownBy(() -> TokenwardenConfig.from(Env.of(Map.of("TOKENWARDEN_TOPIC_PREFIX", "a b"))))
        .isInstanceOf(ConfigException.class).hasMessageContaining("TOKENWARDEN_TOPIC_PREFIX");
  }
}
