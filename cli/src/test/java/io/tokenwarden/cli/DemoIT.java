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
        .contains("demo stopped; nothing left running")
        .containsPattern("status page of the demo tenant demo-workspace .*: http://localhost:\\d+/#token=[\\w-]+\\.[\\w-]+\\.[\\w-]+");
    for (var sample : DemoCommand.samples(java.time.Instant.now())) {
      assertThat(run.out()).contains(sample.connectionId()).doesNotContain(sample.accessToken());
    }
    List<String> facebook = statusLines(run.out(), "demo-facebook-1");
    assertThat(facebook).as(run.out()).hasSizeGreaterThanOrEqualTo(3);
    assertThat(facebook.get(0)).contains("CONNECTED").startsWith(" ");
    assertThat(facebook).anySatisfy(l -> assertThat(l).contains("EXPIRING").startsWith("!"));
    assertThat(facebook.get(facebook.size() - 1)).contains("EXPIRED").startsWith("!");
    assertThat(run.out().lines().filter(l -> l.contains("demo-youtube-1") && l.contains("CONNECTED")))
        .isNotEmpty();
    // Renewed at the sandbox OAuth2 server before it expired: green again, with a last refresh.
    List<String> renewed = statusLines(run.out(), "demo-sandbox-1");
    assertThat(renewed).anySatisfy(l -> assertThat(l).contains("REFRESHING"));
    assertThat(renewed.get(renewed.size() - 1)).startsWith(" ").contains("CONNECTED").contains("ago");
    // The provider answered invalid_grant: a human must reconnect.
    List<String> revoked = statusLines(run.out(), "demo-revoked-1");
    assertThat(revoked).anySatisfy(l -> assertThat(l).startsWith("!").contains("NEEDS_RECONNECT").contains("invalid_grant"));
    // The broker is gone and so is its recorded address.
    assertThat(Files.exists(dataDir.resolve(BrokerAddress.FILE))).isFalse();
  }

  /** The status lines of one connection, in order. */
  private static List<String> statusLines(String out, String connection) {
    return out.lines().filter(l -> l.length() > 2 && l.substring(2).startsWith(connection + " "))
        .filter(l -> !l.contains("TokenIssued")).toList();
  }
}
