package io.tokenwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.schema.ConnectionStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The README's migration, played on a running system: every process first gets the registry (still writing
 * single-object), the schemas are registered, the processes restart in {@code confluent} one after the other
 * while a publisher that has not switched yet keeps writing single-object, and finally the system is rolled back.
 * No event is lost, the state from before each switch carries on, and nothing is dead-lettered.
 */
class WireFormatSwitchIT {

  private WireFormatSystem system;

  @AfterEach
  void close() {
    if (system != null) {
      system.close();
    }
  }

  private static List<String> connections(String group) {
    return IntStream.range(0, 4).mapToObj(i -> "switch-" + group + "-" + i).toList();
  }

  @Test
  void switchingFormatsBackAndForthWithoutAFlagDayLosesNothing() throws Exception {
    system = new WireFormatSystem("switch-it");
    List<String> all = new ArrayList<>();

    // 1. Single-object writers, every reader able to read both formats.
    system.start("single-object");
    system.issue("single-object", "facebook", connections("a"));
    all.addAll(connections("a"));
    awaitConnected(all);

    // 2. Register, then restart the processes writing confluent; an old publisher still writes single-object.
    assertThat(system.schemas("register").exitCode()).isZero();
    system.stop();
    system.start("confluent");
    system.issue("confluent", "facebook", connections("b"));
    system.issue("single-object", "facebook", connections("c"));
    all.addAll(connections("b"));
    all.addAll(connections("c"));
    try (var publisher = system.publisher("confluent")) {
      publisher.revoked("switch-a-0", "user").get(30, TimeUnit.SECONDS);
    }
    awaitConnected(all.subList(1, all.size()));
    await().atMost(Duration.ofSeconds(60)).until(() -> stateOf("switch-a-0") == ConnectionState.REVOKED);

    // 3. Roll back to single-object: records written in confluent meanwhile stay readable.
    system.stop();
    system.start("single-object");
    system.issue("single-object", "facebook", connections("d"));
    all.addAll(connections("d"));
    try (var publisher = system.publisher("single-object")) {
      publisher.revoked("switch-b-0", "user").get(30, TimeUnit.SECONDS);
    }
    awaitConnected(all.stream().filter(c -> !c.equals("switch-a-0") && !c.equals("switch-b-0")).toList());
    await().atMost(Duration.ofSeconds(60)).until(() -> stateOf("switch-b-0") == ConnectionState.REVOKED);
    system.stop();

    // Both formats are on the topics the stream writes and reads, and nothing went to the dead-letter topic.
    for (String topic : List.of(system.topics().status.name(), system.topics().lifecycle.name())) {
      List<Byte> firstBytes = TopicRecords.all(system.bootstrap, topic).stream()
          .filter(r -> r.value() != null).map(r -> r.value()[0]).distinct().toList();
      assertThat(firstBytes).as("first bytes on %s", topic).containsExactlyInAnyOrder((byte) 0xC3, (byte) 0x00);
    }
    assertThat(TopicRecords.all(system.bootstrap, system.topics().lifecycleDlq.name())).as("dead letters").isEmpty();
    assertThat(system.statuses()).hasSize(all.size());
  }

  private ConnectionState stateOf(String connection) {
    ConnectionStatus status = system.statuses().get(connection);
    return status == null ? null : status.getState();
  }

  private void awaitConnected(List<String> connections) {
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
      Map<String, ConnectionStatus> statuses = system.statuses();
      return connections.stream().allMatch(c -> statuses.containsKey(c)
          && statuses.get(c).getState() == ConnectionState.CONNECTED);
    });
  }
}
