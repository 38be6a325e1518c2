package io.tokenwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwarden.embedded.SharedKafka;
import io.tokenwarden.runtime.config.BrokerAddress;
import io.tokenwarden.runtime.sealing.Keysets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line against the real broker: bad input publishes nothing, good input is readable back. */
class CliIT {

  private static final String PREFIX = "cli-it.";
  private static Map<String, String> env;

  @BeforeAll
  static void topics(@TempDir Path dataDir) {
    env = Map.of(
        "KAFKA_BOOTSTRAP_SERVERS", SharedKafka.bootstrapServers(),
        "TOKENWARDEN_TOPIC_PREFIX", PREFIX,
        "TOKENWARDEN_PARTITIONS", "2",
        "TOKENWARDEN_DATA_DIR", dataDir.toString(),
        "TOKENWARDEN_KEYSET", Keysets.toJson(Keysets.generate()));
    CliRun created = CliRun.run(env, "topics", "create", "--replication-factor", "1");
    assertThat(created.exitCode()).as(created.err()).isZero();
    assertThat(created.out()).contains("created  cli-it.tokens.lifecycle");
    assertThat(CliRun.run(env, "topics", "create").out()).contains("verified cli-it.connections.status");
  }

  private static int lifecycleRecords() {
    return TopicRecords.all(SharedKafka.bootstrapServers(), PREFIX + "tokens.lifecycle").size();
  }

  @Test
  void badArgumentsPrintAMessageAndUsageExitNonZeroAndPublishNothing() {
    int before = lifecycleRecords();
    String[][] bad = {
        {"publish", "issued", "--connection", "c1", "--provider", "x", "--account", "a"},
        {"publish", "issued", "--connection", "c1", "--provider", "x", "--account", "a", "--access-token", "t",
            "--expires-in", "60", "--expires-at", "2030-01-01T00:00:00Z"},
        {"publish", "issued", "--connection", "c1", "--provider", "x", "--account", "a", "--access-token", "t",
            "--expires-in", "soon"},
        {"publish", "issued", "--connection", "c1", "--provider", "x", "--account", "a", "--access-token", "t",
            "--expires-at", "tomorrow"},
        {"publish", "issued", "--connection", "c1", "--provider", "x", "--account", "a", "--access-token", "t",
            "--expires-in", "-5"},
        {"publish", "issued", "--connection", "c1", "--provider", "myspace", "--account", "a", "--access-token",
            "t"},
        {"publish", "issued", "--connection", " ", "--provider", "x", "--account", "a", "--access-token", "t"},
        {"publish", "issued", "--connection", "c1", "--provider", "x", "--account", "a", "--access-token", "t",
            "--expires-at", "2001-01-01T00:00:00Z"},
        {"publish", "revoked"},
        {"publish", "removed", "--connection", "c".repeat(300)},
        {"publish", "bogus"},
        {"refresh"},
        {"status", "--frobnicate"},
        {"nonsense"},
        {},
        {"publish", "issued", "--connection", "c1", "--provider", "x", "--account", "a".repeat(256),
            "--access-token", "t"},
        {"publish", "issued", "--connection", "c1", "--provider", "x", "--account", "a", "--access-token",
            "t".repeat(16 * 1024 + 1)},
        {"refresh", "--connection", "c1", "--requested-by", "r".repeat(256)},
    };
    for (String[] args : bad) {
      CliRun run = CliRun.run(env, args);
      assertThat(run.exitCode()).as("exit code of %s", String.join(" ", args)).isEqualTo(2);
      assertThat(run.err()).as("stderr of %s", String.join(" ", args)).containsIgnoringCase("usage:");
      assertThat(run.err().lines().findFirst().orElse("")).as("first line of stderr").isNotBlank();
    }
    assertThat(CliRun.run(env, bad[5]).err()).contains("provider: unknown provider 'myspace'");
    assertThat(CliRun.run(env, bad[7]).err()).contains("expiresAt: must be after");
    assertThat(CliRun.run(env, bad[4]).err()).contains("--expires-in: must not be negative");
    assertThat(CliRun.run(env, bad[15]).err()).contains("accountId: must be at most 255 characters, got 256");
    assertThat(CliRun.run(env, bad[16]).err()).contains("accessToken: must be at most 16384 characters");
    assertThat(CliRun.run(env, bad[17]).err()).contains("requestedBy: must be at most 255 characters");
    assertThat(lifecycleRecords()).isEqualTo(before);
  }

  @Test
  void publishesEveryKindOfEvent() {
    int before = lifecycleRecords();
    CliRun issued = CliRun.run(env, "publish", "issued", "--connection", "cli-1", "--provider", "linkedin",
        "--account", "member-1", "--tenant", "t1", "--access-token", "cli-access", "--refresh-token", "cli-refresh",
        "--expires-in", "3600", "--refresh-token-expires-in", "31536000", "--scopes", "r_basicprofile,w_member_social");
    assertThat(issued.exitCode()).as(issued.err()).isZero();
    assertThat(issued.out()).startsWith("published to cli-it.tokens.lifecycle-");
    assertThat(CliRun.run(env, "refresh", "--connection", "cli-1").exitCode()).isZero();
    assertThat(CliRun.run(env, "publish", "revoked", "--connection", "cli-1", "--reason", "user").exitCode()).isZero();
    assertThat(CliRun.run(env, "publish", "removed", "--connection", "cli-1").exitCode()).isZero();
    assertThat(lifecycleRecords()).isEqualTo(before + 4);
  }

  @Test
  void aRevokeReasonOfSeventyThousandCharactersIsPublishedTruncatedAndSaysSo() {
    int before = lifecycleRecords();
    CliRun run = CliRun.run(env, "publish", "revoked", "--connection", "cli-long", "--reason", "x".repeat(70_000));
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.err()).contains("--reason: 70000 characters, sent truncated to 1024");
    assertThat(lifecycleRecords()).isEqualTo(before + 1);
  }

  @Test
  void statusAndEventsReadTheirTopics() {
    CliRun status = CliRun.run(env, "status");
    assertThat(status.exitCode()).as(status.err()).isZero();
    assertThat(status.out()).contains("CONNECTION").contains("STATE");
    CliRun events = CliRun.run(env, "events", "--json");
    assertThat(events.exitCode()).as(events.err()).isZero();
  }

  @Test
  void withoutABrokerTheErrorSaysHowToGetOne(@TempDir Path emptyDataDir) {
    Map<String, String> local = Map.of("TOKENWARDEN_DATA_DIR", emptyDataDir.toString());
    CliRun run = CliRun.run(local, "publish", "issued", "--connection", "c1", "--provider", "x", "--account", "a",
        "--access-token", "t");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("no Kafka broker").contains("./tokenwarden kafka");
  }

  @Test
  void localModeFindsTheRecordedBrokerAndGeneratesADemoKeyset(@TempDir Path dataDir) {
    BrokerAddress.record(dataDir, SharedKafka.bootstrapServers());
    Map<String, String> local = new HashMap<>(Map.of("TOKENWARDEN_DATA_DIR", dataDir.toString(),
        "TOKENWARDEN_TOPIC_PREFIX", PREFIX, "TOKENWARDEN_PARTITIONS", "2"));
    CliRun run = CliRun.run(local, "publish", "issued", "--connection", "local-1", "--provider", "x",
        "--account", "a", "--access-token", "t", "--expires-in", "7200");
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(Files.exists(dataDir.resolve(Keysets.LOCAL_KEYSET_FILE))).isTrue();
  }

  @Test
  void remoteModeRefusesToStartWithoutAKeyset() {
    Map<String, String> remote = new HashMap<>(env);
    remote.remove("TOKENWARDEN_KEYSET");
    CliRun run = CliRun.run(remote, "publish", "revoked", "--connection", "c1");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("no sealing keyset");
  }
}
