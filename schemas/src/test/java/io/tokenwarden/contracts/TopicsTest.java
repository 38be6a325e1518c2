package io.tokenwarden.contracts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TopicsTest {

  @Test
  void defaultNames() {
    assertThat(Topics.defaults().all()).extracting(Topic::name).containsExactly(
        "tokens.lifecycle", "tokens.expiry", "tokens.refresh-commands", "connections.status",
        "tokens.lifecycle.dlq");
  }

  @Test
  void prefixAndPartitionsApplyToEveryTopic() {
    Topics topics = Topics.create("staging.", 12);
    assertThat(topics.all()).allSatisfy(t -> assertThat(t.name()).startsWith("staging."));
    assertThat(topics.all()).filteredOn(Topic::coPartitioned).extracting(Topic::partitions).containsOnly(12);
    assertThat(topics.status.cleanupPolicy()).isEqualTo("compact");
    assertThat(topics.status.retention()).isEmpty();
    assertThat(topics.lifecycleDlq.coPartitioned()).isFalse();
  }

  @Test
  void rejectsPrefixesKafkaWouldReject() {
    assertThatThrownBy(() -> Topics.create("bad prefix/", 3))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("prefix");
    assertThatThrownBy(() -> Topics.create("", 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("partitions");
  }
}
