package io.tokenwarden.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** How the broker tests' fixture picks its broker; no broker is started here. */
class SharedKafkaTest {

  @Test
  void autoUsesTestcontainersWithDockerAndFallsBackWithout() {
    assertThat(SharedKafka.choose("auto", () -> true).kind()).isEqualTo(SharedKafka.Kind.TESTCONTAINERS);
    SharedKafka.Choice fallback = SharedKafka.choose("auto", () -> false);
    assertThat(fallback.kind()).isEqualTo(SharedKafka.Kind.EMBEDDED);
    assertThat(fallback.reason()).contains("Docker is not available").contains("falling back");
  }

  @Test
  void theChoiceCanBeForcedAndEmbeddedNeverAsksDocker() {
    AtomicInteger asked = new AtomicInteger();
    assertThat(SharedKafka.choose("embedded", () -> asked.incrementAndGet() > 0).kind())
        .isEqualTo(SharedKafka.Kind.EMBEDDED);
    assertThat(asked).hasValue(0);
    assertThat(SharedKafka.choose("Testcontainers", () -> true).kind()).isEqualTo(SharedKafka.Kind.TESTCONTAINERS);
    assertThatThrownBy(() -> SharedKafka.choose("testcontainers", () -> false))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("Docker is not available");
    assertThatThrownBy(() -> SharedKafka.choose("podman", () -> true))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tokenwarden.kafka");
  }

  /**
   * The real decision on this machine, asked twice: said once in the log. Where Docker is missing (as on this
   * project's machines and CI), it falls back to the embedded broker and says why.
   */
  @Test
  void theRealChoiceIsLoggedOnceAndWithoutDockerItIsTheEmbeddedBroker() {
    Logger logger = (Logger) LoggerFactory.getLogger(SharedKafka.class);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    try {
      SharedKafka.Choice first = SharedKafka.choice();
      SharedKafka.Choice second = SharedKafka.choice();
      assertThat(second).isSameAs(first);
      assertThat(appender.list).filteredOn(e -> e.getFormattedMessage().startsWith("broker tests use"))
          .singleElement().satisfies(e -> assertThat(e.getFormattedMessage()).contains(first.reason()));
      if (!SharedKafka.dockerAvailable() && System.getProperty(SharedKafka.PROPERTY) == null) {
        assertThat(first.kind()).isEqualTo(SharedKafka.Kind.EMBEDDED);
        assertThat(appender.list.get(0).getFormattedMessage())
            .contains("the embedded KRaft broker").contains("Docker is not available");
      }
    } finally {
      logger.detachAppender(appender);
    }
  }
}
