package io.tokenwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwarden.runtime.config.BrokerAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./tokenwarden demo} on its own embedded broker, as a new user runs it. */
class DemoIT {

  @Test
  void demoStartsItsOwnBrokerPublishesSamplesAndCleansUp(@TempDir Path dataDir) {
    CliRun run = CliRun.run(Map.of("TOKENWARDEN_DATA_DIR", dataDir.toString()), "demo", "--duration", "PT2S");
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out())
        .contains("(embedded)")
        .contains("created [tokens.lifecycle, tokens.expiry, tokens.refresh-commands, connections.status,"
            + " tokens.lifecycle.dlq]")
        .contains("read back from tokens.lifecycle")
        .contains("demo stopped");
    for (var sample : DemoCommand.samples(java.time.Instant.now())) {
      assertThat(run.out()).contains(sample.connectionId());
      assertThat(run.out()).doesNotContain(sample.accessToken());
    }
    assertThat(run.out().lines().filter(l -> l.contains("TokenIssued"))).hasSize(4);
    // The broker is gone and so is its recorded address.
    assertThat(Files.exists(dataDir.resolve(BrokerAddress.FILE))).isFalse();
  }
}
