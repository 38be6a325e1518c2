package io.tokenwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** {@code TOKENWARDEN_LOG_FORMAT=json}: the shipped logback.xml writes one JSON object per line, MDC included. */
class JsonLogFormatTest {

  private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();

  @AfterEach
  void restoreTestLogging() throws Exception {
    System.clearProperty("TOKENWARDEN_LOG_FORMAT");
    context.reset();
    var configurator = new JoranConfigurator();
    configurator.setContext(context);
    configurator.doConfigure(getClass().getResource("/logback-test.xml"));
  }

  @Test
  void jsonFormatGivesOneObjectPerLineWithConnectionAndProvider() throws Exception {
    PrintStream stderr = System.err;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setProperty("TOKENWARDEN_LOG_FORMAT", "json");
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      context.reset();
      var configurator = new JoranConfigurator();
      configurator.setContext(context);
      configurator.doConfigure(getClass().getResource("/logback.xml"));
      var log = LoggerFactory.getLogger("io.tokenwarden.test");
      try (var c = MDC.putCloseable("connectionId", "conn-42"); var p = MDC.putCloseable("provider", "tiktok")) {
        log.info("refreshed in {} ms", 120);
      }
      log.warn("second line\nwith a newline");
    } finally {
      System.setErr(stderr);
    }
    List<String> lines = captured.toString(StandardCharsets.UTF_8).lines().toList();
    assertThat(lines).hasSize(2);
    ObjectMapper json = new ObjectMapper();
    JsonNode first = json.readTree(lines.get(0));
    assertThat(first.get("level").asText()).isEqualTo("INFO");
    assertThat(first.get("formattedMessage").asText()).isEqualTo("refreshed in 120 ms");
    assertThat(first.get("mdc").get("connectionId").asText()).isEqualTo("conn-42");
    assertThat(first.get("mdc").get("provider").asText()).isEqualTo("tiktok");
    assertThat(json.readTree(lines.get(1)).get("formattedMessage").asText()).isEqualTo("second line\nwith a newline");
  }
}
