package io.tokenwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwarden.contracts.Topic;
import io.tokenwarden.contracts.Topics;
import io.tokenwarden.embedded.SharedKafka;
import io.tokenwarden.runtime.sealing.Keysets;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Publishes tokens with known values through the command line, then scans every record on every topic
 * (keys, values, headers) and every captured log and output line for them.
 */
class SecretsScanIT {

  private static final String PREFIX = "secrets-it.";
  private static final List<String> SECRETS = List.of(
      "SECRET-ACCESS-7d1f0c9e", "SECRET-REFRESH-2b8a4e61", "SECRET-ACCESS-BAD-5c3e", "SECRET-REVOKE-0a9b");

  @Test
  void noTokenIsReadableOnAnyTopicOrInAnyLogLine(@TempDir Path dataDir) {
    String bootstrap = SharedKafka.bootstrapServers();
    Map<String, String> env = Map.of(
        "KAFKA_BOOTSTRAP_SERVERS", bootstrap,
        "TOKENWARDEN_TOPIC_PREFIX", PREFIX,
        "TOKENWARDEN_PARTITIONS", "2",
        "TOKENWARDEN_DATA_DIR", dataDir.toString(),
        "TOKENWARDEN_KEYSET", Keysets.toJson(Keysets.generate()));
    List<String> output = new ArrayList<>();
    List<String> logs;
    try (LogCapture capture = new LogCapture()) {
      output.add(CliRun.run(env, "topics", "create", "--replication-factor", "1").toString());
      CliRun good = CliRun.run(env, "publish", "issued", "--connection", "secret-1", "--provider", "x",
          "--account", "acct", "--access-token", SECRETS.get(0), "--refresh-token", SECRETS.get(1),
          "--expires-in", "7200");
      assertThat(good.exitCode()).as(good.err()).isZero();
      output.add(good.toString());
      // A rejected event must not echo its token either.
      CliRun bad = CliRun.run(env, "publish", "issued", "--connection", "secret-2", "--provider", "nope",
          "--account", "acct", "--access-token", SECRETS.get(2));
      assertThat(bad.exitCode()).isEqualTo(2);
      output.add(bad.toString());
      output.add(CliRun.run(env, "publish", "revoked", "--connection", "secret-1", "--reason", "x").toString());
      output.add(CliRun.run(env, "status", "--json").toString());
      output.add(CliRun.run(env, "events", "--json").toString());
      logs = capture.lines();
    }
    assertThat(logs).as("captured log lines").isNotEmpty();

    Topics topics = Topics.create(PREFIX, 2);
    int scanned = 0;
    for (Topic<?, ?> topic : topics.all()) {
      for (var record : TopicRecords.all(bootstrap, topic.name())) {
        scanned++;
        assertNoSecret(topic.name() + " key", record.key());
        assertNoSecret(topic.name() + " value", record.value());
        for (Header header : record.headers()) {
          assertNoSecret(topic.name() + " header " + header.key(), header.value());
        }
      }
    }
    assertThat(scanned).as("records scanned").isGreaterThanOrEqualTo(2);
    for (String line : logs) {
      SECRETS.forEach(secret -> assertThat(line).as("log line").doesNotContain(secret));
    }
    for (String text : output) {
      SECRETS.forEach(secret -> assertThat(text).as("command output").doesNotContain(secret));
    }
  }

  private static void assertNoSecret(String where, byte[] bytes) {
    if (bytes == null) {
      return;
    }
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    SECRETS.forEach(secret -> assertThat(text).as(where).doesNotContain(secret));
  }
}
