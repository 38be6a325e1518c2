package io.tokenwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code run} in {@code confluent} mode refuses to start, clearly, without a registry that has our schemas. */
class RegistryStartUpTest {

  @Test
  void aRegistryThatIsDownAtStartUpIsAClearError() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    CliRun run = CliRun.run(Map.of("TOKENWARDEN_WIRE_FORMAT", "confluent",
        "TOKENWARDEN_SCHEMA_REGISTRY_URL", "http://127.0.0.1:" + port,
        "TOKENWARDEN_SCHEMA_REGISTRY_RETRIES_WAIT_MS", "10",
        "KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1"), "run");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).startsWith("error: schema registry http://127.0.0.1:" + port + " is unavailable");
  }

  @Test
  void schemasThatAreNotRegisteredAreAClearErrorThatSaysWhatToRun() throws Exception {
    try (RegistryStandIn registry = RegistryStandIn.start()) {
      CliRun run = CliRun.run(Map.of("TOKENWARDEN_WIRE_FORMAT", "confluent",
          "TOKENWARDEN_SCHEMA_REGISTRY_URL", registry.url(),
          "KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:1"), "run");

      assertThat(run.exitCode()).isEqualTo(1);
      assertThat(run.err()).contains("not registered under subject tokens.lifecycle-value")
          .contains("./tokenwarden schemas register");
    }
  }
}
