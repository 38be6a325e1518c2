package io.tokenwarden.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenwarden.producer.IssuedToken;
import io.tokenwarden.producer.TokenEventPublisher;
import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.schema.ConnectionStatus;
import io.tokenwarden.schema.ExpiryKind;
import io.tokenwarden.schema.TokenExpiryEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local broker ({@code tokenwarden kafka}, a child process) stopped and started again on the same data while the
 * stream and the worker run, with timers due during the outage: first a clean stop (SIGTERM), then SIGKILL. Both
 * services reconnect by themselves (same processes), nothing is lost, and each timer due during an outage fires
 * after it, exactly once; the worker answers refreshes after each outage.
 */
class BrokerRestartIT {

  private static final String PROVIDER = "outage";

  @Test
  void streamAndWorkerRideOutBrokerRestartsAndTimersDueDuringTheOutageFireOnce(@TempDir Path dir)
      throws Exception {
    int n = FaultSystem.large() ? 5_000 : 500;
    String name = "faults-outage-" + System.nanoTime();
    Map<String, String> brokerEnv = Map.of("TOKENWARDEN_DATA_DIR", dir.resolve("broker").toString(),
        "TOKENWARDEN_TOPIC_PREFIX", name + ".", "TOKENWARDEN_PARTITIONS", "2");
    try (ProviderStub provider = new ProviderStub(Duration.ofSeconds(1));
         Child broker = Child.start("outage-broker", brokerEnv, "kafka")) {
      String bootstrap = broker.bootstrapServers();
      FaultSystem system = new FaultSystem(name, bootstrap, dir.resolve("data"), 2, provider.env(PROVIDER));
      try (Child stream = system.start("outage-stream", "run", "--stream");
           Child worker = system.start("outage-worker", "run", "--worker")) {
        stream.awaitReady(Duration.ofMinutes(3));
        worker.awaitReady(Duration.ofMinutes(3));
        long streamPid = stream.pid();
        long workerPid = worker.pid();
        List<String> all = new ArrayList<>();
        for (String stop : List.of("SIGTERM", "SIGKILL")) {
          List<String> connections = new ArrayList<>();
          List<String> renewable = new ArrayList<>();
          Instant due;
          try (TokenEventPublisher publisher = system.publisher()) {
            for (int i = 0; i < 5; i++) {
              String c = stop + "-renew-" + i;
              renewable.add(c);
              publisher.issued(IssuedToken.of(c, PROVIDER, "acct", "at", provider.issue(c),
                  Instant.now().plus(Duration.ofHours(1))));
            }
            due = Instant.now().plus(Duration.ofSeconds(25));
            for (int i = 0; i < n; i++) {
              String c = stop + "-due-" + i;
              connections.add(c);
              publisher.issued(IssuedToken.of(c, "facebook", "acct-" + i, "token-" + i, null, due));
            }
            publisher.flush();
          }
          await("every connection of this round has a status").atMost(Duration.ofMinutes(1))
              .pollInterval(Duration.ofMillis(500))
              .until(() -> lastStatuses(system).keySet().containsAll(connections));
          assertThat(Instant.now()).as("the timers are still ahead when the broker stops").isBefore(due);

          if (stop.equals("SIGTERM")) {
            broker.stop();
          } else {
            broker.kill();
          }
          Instant stoppedAt = Instant.now();
          // The outage lasts until the timers are overdue; the services must live through it.
          await("the timers due during the outage").atMost(Duration.ofMinutes(1))
              .pollInterval(Duration.ofMillis(200)).until(() -> Instant.now().isAfter(due.plusSeconds(2)));
          assertThat(stream.alive()).as("stream alive during the outage").isTrue();
          assertThat(worker.alive()).as("worker alive during the outage").isTrue();
          broker.restart();
          String again = broker.bootstrapServers();
          System.out.printf("broker %s at %s, down for %d ms, back at %s%n", stop, stoppedAt,
              Duration.between(stoppedAt, Instant.now()).toMillis(), again);
          assertThat(again).as("the broker takes its ports again").isEqualTo(bootstrap);

          await("every timer due during the outage fired").atMost(Duration.ofMinutes(3))
              .pollInterval(Duration.ofSeconds(1)).until(() -> {
                Map<String, ConnectionStatus> last = lastStatuses(system);
                return connections.stream().allMatch(c -> last.get(c).getState() == ConnectionState.EXPIRED);
              });
          try (TokenEventPublisher publisher = system.publisher()) {
            renewable.forEach(c -> publisher.refreshRequested(c, "fault-suite"));
            publisher.flush();
          }
          await("the worker renews after the outage").atMost(Duration.ofMinutes(2))
              .pollInterval(Duration.ofSeconds(1)).until(() -> {
                Map<String, ConnectionStatus> last = lastStatuses(system);
                return renewable.stream().allMatch(c -> last.get(c).getLastRefreshedAt() != null);
              });
          all.addAll(connections);

          Map<String, Integer> expired = expiredCounts(system);
          long lost = connections.stream().filter(c -> !expired.containsKey(c)).count();
          long twice = connections.stream().filter(c -> expired.getOrDefault(c, 0) > 1).count();
          Map<String, ConnectionStatus> last = lastStatuses(system);
          long notExpired = connections.stream()
              .filter(c -> last.get(c).getState() != ConnectionState.EXPIRED || !last.get(c).getAttention()).count();
          long notRenewed = renewable.stream().filter(c -> last.get(c).getAttention()).count();
          new Figures("broker restart (" + stop + ")", String.format("`tokenwarden kafka` stopped with %s, %,d"
              + " timers due during the outage, started again on its data and port; stream and worker kept running",
              stop, n), n, lost, twice, notExpired + " last statuses not EXPIRED with \"!\"; " + renewable.size()
              + " refreshes after the outage, " + notRenewed + " with \"!\"").report();
          assertThat(lost).as("connections without an EXPIRED after the %s outage", stop).isZero();
          assertThat(twice).as("connections with more than one EXPIRED after the %s outage", stop).isZero();
          assertThat(notExpired).isZero();
          assertThat(notRenewed).isZero();
        }
        assertThat(stream.pid()).as("the stream was not restarted").isEqualTo(streamPid);
        assertThat(worker.pid()).as("the worker was not restarted").isEqualTo(workerPid);
        assertThat(stream.live() && worker.live()).as("both live at the end").isTrue();
        Map<String, Integer> expired = expiredCounts(system);
        assertThat(all.stream().filter(c -> expired.getOrDefault(c, 0) != 1).toList())
            .as("connections without exactly one EXPIRED over both outages").isEmpty();
      }
    }
  }

  private static Map<String, Integer> expiredCounts(FaultSystem system) {
    Map<String, Integer> counts = new HashMap<>();
    for (ConsumerRecord<String, TokenExpiryEvent> r : system.committed(system.topics.expiry)) {
      if (r.value().getKind() == ExpiryKind.EXPIRED) {
        counts.merge(r.key(), 1, Integer::sum);
      }
    }
    return counts;
  }

  private static Map<String, ConnectionStatus> lastStatuses(FaultSystem system) {
    Map<String, ConnectionStatus> last = new HashMap<>();
    for (ConsumerRecord<String, ConnectionStatus> r : system.committed(system.topics.status)) {
      last.put(r.key(), r.value());
    }
    return last;
  }
}
