package io.tokenwarden.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenwarden.contracts.DeadLetters;
import io.tokenwarden.runtime.ops.OpsMetrics;
import io.tokenwarden.runtime.provider.Providers;
import io.tokenwarden.schema.ExpiryKind;
import io.tokenwarden.schema.RefreshReason;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * What Prometheus scrapes from a stream that has seen no event yet: a 0 for every label value known at start-up,
 * so that {@code increase()} sees the first event and the alert rules need no special case for a new series.
 */
class ExpiryMetricsTest {

  private static final Pattern SAMPLE = Pattern.compile("^(\\w+)\\{(.*)} (\\S+)$");
  private static final Pattern LABEL = Pattern.compile("(\\w+)=\"([^\"]*)\"");

  private final PrometheusMeterRegistry registry = OpsMetrics.newRegistry("tokenwarden-stream");
  private final Map<String, Double> scraped;

  ExpiryMetricsTest() {
    ExpiryMetrics.on(registry);
    scraped = parse(registry.scrape());
  }

  @Test
  void everyDeadLetterReasonIsScrapedAtZero() {
    for (String reason : DeadLetters.STREAM_REASONS) {
      assertZero("tokenwarden_dead_letters_total", "reason", reason);
    }
  }

  @Test
  void everyBuiltInProviderHasItsCountersAndAttentionAtZero() {
    for (String provider : Providers.BUILT_IN) {
      for (ExpiryKind kind : ExpiryKind.values()) {
        assertZero("tokenwarden_expiry_events_total", "kind", kind.name(), "provider", provider);
      }
      for (RefreshReason reason : RefreshReason.values()) {
        assertZero("tokenwarden_refresh_commands_total", "provider", provider, "reason", reason.name());
      }
      assertZero("tokenwarden_refresh_commands_timed_out_total", "provider", provider);
      assertZero("tokenwarden_refresh_requests_not_renewable_total", "provider", provider);
      assertZero("tokenwarden_connections_attention", "provider", provider);
    }
  }

  @Test
  void theUnlabelledAndFieldCountersAreScrapedAtZero() {
    for (String field : ExpiryMetrics.CLAMPED_FIELDS) {
      assertZero("tokenwarden_worker_results_clamped_total", "field", field);
    }
    assertZero("tokenwarden_stale_results_total");
    assertZero("tokenwarden_duplicate_events_total");
    assertZero("tokenwarden_connection_state_undecodable_total");
  }

  @Test
  void theFirstEventIsAStepFromZeroOnTheSameSeries() {
    ExpiryMetrics.on(registry).deadLetter(DeadLetters.KEY_MISMATCH);
    ExpiryMetrics.deadLetter(registry, DeadLetters.PROCESSING_ERROR);
    Map<String, Double> after = parse(registry.scrape());
    assertThat(after).containsEntry(key("tokenwarden_dead_letters_total", "reason", DeadLetters.KEY_MISMATCH), 1.0)
        .containsEntry(key("tokenwarden_dead_letters_total", "reason", DeadLetters.PROCESSING_ERROR), 1.0)
        .hasSameSizeAs(scraped);
  }

  private void assertZero(String name, String... labels) {
    assertThat(scraped).as("scraped %s%s", name, String.join(",", labels)).containsEntry(key(name, labels), 0.0);
  }

  /** A sample's name and labels (without the {@code application} tag every meter carries), in one sorted key. */
  private static String key(String name, String... labels) {
    Map<String, String> map = new java.util.TreeMap<>();
    for (int i = 0; i < labels.length; i += 2) {
      map.put(labels[i], labels[i + 1]);
    }
    return name + map;
  }

  private static Map<String, Double> parse(String scrape) {
    Map<String, Double> samples = new HashMap<>();
    for (String line : scrape.lines().toList()) {
      Matcher sample = SAMPLE.matcher(line);
      if (!line.startsWith("tokenwarden_") || !sample.matches()) {
        continue;
      }
      Map<String, String> labels = new java.util.TreeMap<>();
      Matcher label = LABEL.matcher(sample.group(2));
      while (label.find()) {
        if (!label.group(1).equals("application")) {
          labels.put(label.group(1), label.group(2));
        }
      }
      samples.put(sample.group(1) + labels, Double.parseDouble(sample.group(3)));
    }
    return samples;
  }
}
