package io.tokenwarden.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The address a killed local broker leaves in {@code kafka.bootstrap}: found dead within the bound of
 * one second, without a word on the console, and then treated as no broker at all.
 */
class BrokerAddressTest {

  @TempDir Path dataDir;

  private TokenwardenConfig local() {
    return TokenwardenConfig.from(Env.of(Map.of("TOKENWARDEN_DATA_DIR", dataDir.toString())));
  }

  @Test
  void aDeadRecordedAddressIsNoBrokerFoundInUnderASecondSilently() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("localhost"))) {
      port = socket.getLocalPort();
    }
    BrokerAddress.record(dataDir, "localhost:" + port);
    Console console = Console.capture();
    long started = System.nanoTime();
    try {
      assertThatThrownBy(() -> BrokerAddress.resolve(local()))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("(localhost:" + port + ") is not running")
          .hasMessageContaining("./tokenwarden kafka");
    } finally {
      console.release();
    }
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(1));
    assertThat(console.text()).isEmpty();
  }

  @Test
  void anAddressThatNeverAnswersIsGivenUpWithinTheProbeTimeout() throws Exception {
    // A listener that never accepts, its backlog filled: Linux drops further SYNs, as a host that drops packets
    // would, so a connect can only time out.
    try (ServerSocket stuck = new ServerSocket(0, 1, InetAddress.getByName("localhost"))) {
      List<Socket> fillers = new ArrayList<>();
      try {
        boolean full = false;
        for (int i = 0; i < 16 && !full; i++) {
          Socket filler = new Socket();
          fillers.add(filler);
          try {
            filler.connect(stuck.getLocalSocketAddress(), 200);
          } catch (SocketTimeoutException e) {
            full = true;
          }
        }
        assumeTrue(full, "this OS does not drop connections past a full backlog");
        Console console = Console.capture();
        long started = System.nanoTime();
        boolean answered;
        try {
          answered = BrokerAddress.answers("localhost:" + stuck.getLocalPort(), BrokerAddress.PROBE_TIMEOUT);
        } finally {
          console.release();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        assertThat(answered).isFalse();
        assertThat(took).isGreaterThanOrEqualTo(BrokerAddress.PROBE_TIMEOUT.minusMillis(50))
            .isLessThan(Duration.ofSeconds(1));
        assertThat(console.text()).isEmpty();
      } finally {
        for (Socket filler : fillers) {
          filler.close();
        }
      }
    }
  }

  @Test
  void aLiveRecordedAddressIsUsed() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("localhost"))) {
      BrokerAddress.record(dataDir, "localhost:" + socket.getLocalPort());
      assertThat(BrokerAddress.resolve(local())).isEqualTo("localhost:" + socket.getLocalPort());
    }
  }

  @Test
  void anyAnsweringServerOfAListWillDoAndGarbageIsSkipped() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName("localhost"))) {
      assertThat(BrokerAddress.answers("nonsense, localhost:notaport, localhost:" + socket.getLocalPort(),
          BrokerAddress.PROBE_TIMEOUT)).isTrue();
    }
    assertThat(BrokerAddress.answers("nonsense,:9092", BrokerAddress.PROBE_TIMEOUT)).isFalse();
  }

  @Test
  void withoutARecordedAddressTheErrorSaysHowToGetABroker() {
    assertThatThrownBy(() -> BrokerAddress.resolve(local()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("no Kafka broker").hasMessageContaining("looked for " + dataDir.resolve("kafka.bootstrap"));
  }

  @Test
  void aConfiguredClusterIsUsedAsGivenWithoutAProbe() {
    TokenwardenConfig remote = TokenwardenConfig.from(Env.of(Map.of("TOKENWARDEN_DATA_DIR", dataDir.toString(),
        "KAFKA_BOOTSTRAP_SERVERS", "kafka-0.example:9092")));
    assertThat(BrokerAddress.resolve(remote)).isEqualTo("kafka-0.example:9092");
  }

  /** What the code under test prints or logs, from stdout, stderr and the root logger. */
  private record Console(PrintStream out, PrintStream err, ByteArrayOutputStream bytes,
      ListAppender<ILoggingEvent> logs) {

    static Console capture() {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      Console console = new Console(System.out, System.err, bytes, new ListAppender<>());
      console.logs.start();
      ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(console.logs);
      System.setOut(new PrintStream(bytes, true));
      System.setErr(new PrintStream(bytes, true));
      return console;
    }

    void release() {
      System.setOut(out);
      System.setErr(err);
      ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
    }

    String text() {
      StringBuilder text = new StringBuilder(bytes.toString());
      logs.list.forEach(e -> text.append(e.getFormattedMessage()).append('\n'));
      return text.toString();
    }
  }
}
