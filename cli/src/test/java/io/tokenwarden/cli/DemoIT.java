package io.tokenwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwarden.runtime.config.BrokerAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./tokenwarden demo} on its own embedded broker, as a new user runs it. */
class DemoIT {

  @Test
  void samplesPassFromConnectedThroughExpiringToExpiredAndNothingIsLeftRunning(@TempDir Path dataDir) {
    CliRun run = CliRun.run(Map.of("TOKENWARDEN_DATA_DIR", dataDir.toString()), "demo", "--duration", "PT75S");
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out())
        .contains("(embedded)")
        .contains("metrics: http://localhost:")
        .contains("read back from tokens.lifecycle")
        .contains("demo stopped; nothing left running");
    for (var sample : DemoCommand.samples(java.time.Instant.now())) {
      assertThat(run.out()).contains(sample.connectionId()).doesNotContain(sample.accessToken());
    }
    List<String> facebook = run.out().lines()
        .filter(l -> l.contains("demo-facebook-1") && l.contains("facebook") && !l.contains("TokenIssued")
            && !l.contains("published"))
        .toList();
    assertThat(facebook).as(run.out()).hasSizeGreaterThanOrEqualTo(3);
    assertThat(facebook.get(0)).contains("CONNECTED").startsWith(" ");
    assertThat(facebook).anySatisfy(l -> assertThat(l).contains("EXPIRING").startsWith("!"));
    assertThat(facebook.get(facebook.size() - 1)).contains("EXPIRED").startsWith("!");
    assertThat(run.out().lines().filter(l -> l.contains("demo-youtube-1") && l.contains("CONNECTED")))
        .isNotEmpty();
    // The broker is gone and so is its recorded address.
    assertThat(Files.exists(dataDir.resolve(BrokerAddress.FILE))).isFalse();
  }
}
