package io.tokenwarden.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.tokenwarden.embedded.SharedKafka;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The bench at {@code --scale 10k}, so that the harness cannot rot: every scenario completes with numbers. */
class BenchSmokeIT {

  @Test
  void every_scenario_completes_with_numbers_or_a_reason_to_skip() throws Exception {
    Path results = Files.createTempDirectory("bench-smoke");
    BenchCommand command = new BenchCommand();
    new CommandLine(command).parseArgs("--scale", "10k", "--results-dir", results.toString());
    command.bootstrapServers = SharedKafka.bootstrapServers();
    BenchParams params = command.params();
    ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);

    Bench.Report report = new Bench(params, out).run();
    System.out.println(buffer.toString(StandardCharsets.UTF_8));

    assertThat(report.incomplete(params)).as("scenarios without numbers").isEmpty();
    assertThat(report.results()).allSatisfy(r -> assertThat(r.hasNumber() || r.skipped() != null)
        .as("%s / %s has a number or a reason: %s", r.scenario(), r.subject(), r.details()).isTrue());
    assertThat(report.file()).exists();
    assertThat(Files.readString(report.file())).contains("## Machine", "## Parameters", "## Results");
  }
}
