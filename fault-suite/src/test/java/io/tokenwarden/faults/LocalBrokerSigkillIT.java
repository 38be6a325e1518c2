package io.tokenwarden.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwarden.producer.IssuedToken;
import io.tokenwarden.producer.TokenEventPublisher;
import io.tokenwarden.schema.TokenIssued;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tokenwarden kafka}, the local broker, killed with SIGKILL and started again on the same directory: it
 * starts, and every acknowledged record is still there.
 */
class LocalBrokerSigkillIT {

  @Test
  void theLocalBrokerStartsAgainAfterSigkillWithItsRecords(@TempDir Path dir) throws Exception {
    int n = FaultSystem.large() ? 20_000 : 1_000;
    String name = "faults-local-" + System.nanoTime();
    Path brokerData = dir.resolve("broker");
    Map<String, String> brokerEnv = Map.of("TOKENWARDEN_DATA_DIR", brokerData.toString(),
        "TOKENWARDEN_TOPIC_PREFIX", name + ".", "TOKENWARDEN_PARTITIONS", "2");
    try (Child broker = Child.start("local-broker", brokerEnv, "kafka")) {
      String bootstrap = broker.bootstrapServers();
      FaultSystem system = new FaultSystem(name, bootstrap, dir.resolve("clients"), 2, Map.of());
      Instant expires = Instant.now().plus(Duration.ofDays(30));
      try (TokenEventPublisher publisher = system.publisher()) {
        for (int i = 0; i < n; i++) {
          publisher.issued(IssuedToken.of("local-" + i, "facebook", "acct-" + i, "token-" + i, null, expires));
        }
        publisher.flush(); // acknowledged (acks=all) before the kill
      }
      long pid = broker.pid();
      broker.kill();
      System.out.printf("local broker (pid %d) killed with SIGKILL after %d acknowledged records%n", pid, n);

      broker.restart();
      String again = broker.bootstrapServers();
      FaultSystem after = new FaultSystem(name, again, dir.resolve("clients-after"), 2, Map.of());
      Set<String> found = after.committed(after.topics.lifecycle).stream()
          .filter(r -> r.value().getPayload() instanceof TokenIssued).map(r -> r.key())
          .collect(Collectors.toSet());
      List<String> lost = IntStream.range(0, n).mapToObj(i -> "local-" + i).filter(c -> !found.contains(c)).toList();
      long twice = after.committed(after.topics.lifecycle).size() - found.size();
      new Figures("local broker, SIGKILL", String.format("`tokenwarden kafka` killed with SIGKILL after %,d"
          + " acknowledged records, started again on its directory (address %s, then %s)", n, bootstrap, again),
          n, lost.size(), twice, "started again: yes").report();

      assertThat(broker.alive()).as("the broker runs again").isTrue();
      assertThat(lost).as("acknowledged records missing after the restart").isEmpty();
    }
  }
}
