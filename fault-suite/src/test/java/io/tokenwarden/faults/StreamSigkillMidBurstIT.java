package io.tokenwarden.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tokenwarden.embedded.SharedKafka;
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
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The expiry stream killed with SIGKILL in the middle of a burst of timers due at one instant, then restarted:
 * every connection gets exactly one {@code EXPIRED} to a read_committed reader, and every last status is
 * {@code EXPIRED} with the "!". Issue 11 (the fault suite) and issue 12 (point 2) share this test.
 */
class StreamSigkillMidBurstIT {

  @Test
  void everyConnectionExpiresExactlyOnceAcrossAKillInTheMiddleOfTheBurst(@TempDir Path dir) throws Exception {
    int n = FaultSystem.large() ? 100_000 : 20_000;
    // Facebook without a refresh token: nothing can renew it, so no worker is needed and every timer is due.
    FaultSystem system = new FaultSystem("faults-burst-" + System.nanoTime(), SharedKafka.bootstrapServers(),
        dir.resolve("data"), 3, Map.of());
    try (Child stream = system.start("burst-stream", "run", "--stream");
         var expired = new CommittedCounter<>(system.bootstrap, system.topics.expiry,
             r -> r.value().getKind() == ExpiryKind.EXPIRED)) {
      stream.awaitReady(Duration.ofMinutes(3));
      long pidBefore = stream.pid();

      Instant due = Instant.now().plus(Duration.ofSeconds(FaultSystem.large() ? 60 : 25));
      List<String> connections = new ArrayList<>(n);
      try (TokenEventPublisher publisher = system.publisher()) {
        List<CompletableFuture<?>> sent = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          String id = "burst-" + i;
          connections.add(id);
          sent.add(publisher.issued(IssuedToken.of(id, "facebook", "acct-" + i, "token-" + i, null, due)));
        }
        publisher.flush();
        CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
      }
      assertThat(Instant.now()).as("all %d connections published before they are due", n).isBefore(due);

      // Kill when about a quarter of the EXPIRED events are out.
      await("a quarter of the EXPIRED events visible").atMost(Duration.ofMinutes(3))
          .pollInterval(Duration.ofMillis(20)).until(() -> expired.count() >= n / 4);
      stream.kill();
      long outAtKill = countExpired(system);
      System.out.printf("stream killed (pid %d) with %d of %d EXPIRED committed%n", pidBefore, outAtKill, n);
      assertThat(outAtKill).as("killed in the middle of the burst").isBetween(1L, n - 1L);

      stream.restart().awaitReady(Duration.ofMinutes(3));
      await("every connection EXPIRED after the restart").atMost(Duration.ofMinutes(5))
          .pollInterval(Duration.ofMillis(500))
          .until(() -> expired.count() >= n && stream.metric("tokenwarden_timers_pending") == 0);

      Map<String, Integer> expiredBy = new HashMap<>();
      for (ConsumerRecord<String, TokenExpiryEvent> r : system.committed(system.topics.expiry)) {
        if (r.value().getKind() == ExpiryKind.EXPIRED) {
          expiredBy.merge(r.key(), 1, Integer::sum);
        }
      }
      Map<String, ConnectionStatus> last = new HashMap<>();
      for (ConsumerRecord<String, ConnectionStatus> r : system.committed(system.topics.status)) {
        last.put(r.key(), r.value());
      }
      long lost = connections.stream().filter(c -> !expiredBy.containsKey(c)).count();
      long twice = connections.stream().filter(c -> expiredBy.getOrDefault(c, 0) > 1).count();
      List<String> wrongStatus = connections.stream().filter(c -> {
        ConnectionStatus s = last.get(c);
        return s == null || s.getState() != ConnectionState.EXPIRED || !s.getAttention();
      }).toList();
      new Figures("stream, SIGKILL mid-burst", String.format(
          "%,d connections due at one instant; `run --stream` killed with SIGKILL at %,d EXPIRED committed, restarted",
          n, outAtKill), n, lost, twice, wrongStatus.size() + " last statuses not EXPIRED with \"!\"").report();

      assertThat(lost).as("connections without an EXPIRED").isZero();
      assertThat(twice).as("connections with more than one EXPIRED").isZero();
      assertThat(expiredBy.keySet()).as("EXPIRED only for our connections").hasSize(n);
      assertThat(wrongStatus).as("connections whose last status is not EXPIRED with the \"!\"").isEmpty();
    }
  }

  private static long countExpired(FaultSystem system) {
    return system.committed(system.topics.expiry).stream()
        .filter(r -> r.value().getKind() == ExpiryKind.EXPIRED).count();
  }
}
