package io.tokenwarden.runtime.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tokenwarden.contracts.Topics;
import io.tokenwarden.embedded.SharedKafka;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TopicAdminIT {

  private static Admin admin;

  @BeforeAll
  static void connect() {
    admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, SharedKafka.bootstrapServers()));
  }

  @AfterAll
  static void close() {
    admin.close();
  }

  @Test
  void createsMissingTopicsThenVerifiesThem() throws Exception {
    Topics topics = Topics.create("create-it.", 3);
    TopicAdmin topicAdmin = new TopicAdmin(admin, (short) 1);
    var first = topicAdmin.ensure(topics);
    assertThat(first.created()).hasSize(5);
    var second = topicAdmin.ensure(topics);
    assertThat(second.created()).isEmpty();
    assertThat(second.verified()).hasSize(5);
    var status = admin.describeTopics(List.of("create-it.connections.status")).allTopicNames().get();
    assertThat(status.get("create-it.connections.status").partitions()).hasSize(3);
  }

  @Test
  void partitionMismatchBetweenCoPartitionedTopicsIsAClearError() throws Exception {
    admin.createTopics(List.of(new NewTopic("mismatch-it.tokens.expiry", 2, (short) 1))).all().get();
    Topics topics = Topics.create("mismatch-it.", 4);
    assertThatThrownBy(() -> new TopicAdmin(admin, (short) 1).ensure(topics))
        .isInstanceOf(TopicVerificationException.class)
        .hasMessageContaining("same number of partitions")
        .hasMessageContaining("mismatch-it.tokens.expiry")
        .hasMessageContaining("= 2")
        .hasMessageContaining("= 4");
  }

  @Test
  void wrongCleanupPolicyIsReported() throws Exception {
    admin.createTopics(List.of(new NewTopic("cleanup-it.connections.status", 3, (short) 1)
        .configs(Map.of("cleanup.policy", "delete")))).all().get();
    assertThatThrownBy(() -> new TopicAdmin(admin, (short) 1).ensure(Topics.create("cleanup-it.", 3)))
        .isInstanceOf(TopicVerificationException.class)
        .hasMessageContaining("cleanup-it.connections.status has cleanup.policy=delete, expected compact");
  }
}
