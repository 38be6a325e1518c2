package io.tokenwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A data directory the local broker cannot use: {@code ./tokenwarden kafka} and {@code demo}, each in a JVM of its
 * own with the command's logging, say so in one line on stderr, naming the directory and what to do, and exit
 * non-zero; no stack trace, no log line. (No broker starts: the directory is refused before Kafka runs.)
 */
class LocalBrokerDirectoryTest {

  @Test
  void aFileWhereTheBrokersDirectoryShouldBeIsOneLineAndExitTwo(@TempDir Path dataDir) throws Exception {
    Path kafka = Files.writeString(dataDir.resolve("kafka"), "not a directory");
    for (List<String> command : List.of(List.of("kafka"), List.of("demo", "--duration", "PT1S"))) {
      Result result = run(dataDir, command);
      assertThat(result.exitCode()).as("exit code of %s", command).isEqualTo(2);
      assertThat(result.stderr().lines().toList()).as("stderr of %s", command).singleElement().asString()
          .isEqualTo("error: the local Kafka broker cannot use " + kafka + ": it is a file, not a directory; move"
              + " the file away, or use another directory (TOKENWARDEN_DATA_DIR)");
      assertThat(result.stdout()).as("stdout of %s", command).doesNotContain("Exception").doesNotContain("\tat ");
    }
    assertThat(Files.readString(kafka)).isEqualTo("not a directory");
  }

  @Test
  void aBrokenMetaPropertiesIsOneLineThatSaysWhatDeletingCosts(@TempDir Path dataDir) throws Exception {
    Path logDir = Files.createDirectories(dataDir.resolve("kafka/combined_0_0"));
    Files.writeString(logDir.resolve("meta.properties"), "version=1\nnode.id=0\n");
    Result result = run(dataDir, List.of("kafka"));
    assertThat(result.exitCode()).isEqualTo(2);
    assertThat(result.stderr().lines().toList()).singleElement().asString()
        .startsWith("error: the local Kafka broker cannot use " + logDir + ": its meta.properties has no cluster.id;")
        .contains("delete " + dataDir.resolve("kafka") + " to start an empty broker (its topics and records are lost)");
  }

  private record Result(int exitCode, String stdout, String stderr) {}

  private static Result run(Path dataDir, List<String> args) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> command = new java.util.ArrayList<>(List.of(java, "-Xmx256m",
        // The command's own logging, not this module's test logging.
        "-Dlogback.configurationFile=logback.xml",
        "-cp", System.getProperty("java.class.path"), TokenwardenCli.class.getName()));
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("TOKENWARDEN_DATA_DIR", dataDir.toString());
    builder.environment().put("TOKENWARDEN_HTTP_PORT", "0");
    builder.environment().remove("KAFKA_BOOTSTRAP_SERVERS");
    Path out = Files.createTempFile("tokenwarden-out", ".txt");
    Path err = Files.createTempFile("tokenwarden-err", ".txt");
    builder.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process process = builder.start();
    try {
      assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("%s ended", args).isTrue();
      return new Result(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
          Files.readString(err, StandardCharsets.UTF_8));
    } finally {
      process.destroyForcibly();
      Files.deleteIfExists(out);
      Files.deleteIfExists(err);
    }
  }
}
