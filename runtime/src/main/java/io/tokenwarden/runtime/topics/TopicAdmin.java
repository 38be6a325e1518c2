package io.tokenwarden.runtime.topics;

import io.tokenwarden.contracts.Topic;
import io.tokenwarden.contracts.Topics;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creates the catalogue's missing topics and verifies the existing ones. */
public final class TopicAdmin {

  /** What {@link #ensure} did. */
  public record Report(List<String> created, List<String> verified) {}

  private static final java.time.Duration RETRY_FOR = java.time.Duration.ofSeconds(30);

  private final Admin admin;
  private final short replicationFactor;

  /**
   * @param replicationFactor replication factor of created topics; {@code -1} takes the broker's default
   */
  public TopicAdmin(Admin admin, short replicationFactor) {
    this.admin = admin;
    this.replicationFactor = replicationFactor;
  }

  /**
   * Creates missing topics, then verifies every topic: co-partitioned topics must have equal partition counts
   * and each topic must have the catalogue's cleanup policy.
   *
   * @throws TopicVerificationException naming every mismatch
   */
  public Report ensure(Topics topics) throws InterruptedException {
    Set<String> existing = call(() -> admin.listTopics().names().get());
    List<String> created = new ArrayList<>();
    List<NewTopic> missing = new ArrayList<>();
    for (Topic<?, ?> topic : topics.all()) {
      if (!existing.contains(topic.name())) {
        missing.add(newTopic(topic));
        created.add(topic.name());
      }
    }
    if (!missing.isEmpty()) {
      admin.createTopics(missing).values().forEach((name, future) -> {
        try {
          future.get();
        } catch (ExecutionException e) {
          if (!(e.getCause() instanceof TopicExistsException)) {
            throw new TopicVerificationException("cannot create topic " + name + ": " + e.getCause().getMessage());
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new TopicVerificationException("interrupted while creating topic " + name);
        }
      });
    }
    List<String> names = topics.all().stream().map(Topic::name).toList();
    verify(topics, describe(names), cleanupPolicies(names));
    List<String> verified = names.stream().filter(n -> !created.contains(n)).toList();
    return new Report(created, verified);
  }

  static void verify(Topics topics, Map<String, Integer> partitions, Map<String, String> cleanup) {
    List<String> problems = new ArrayList<>();
    Map<Integer, List<String>> byCount = topics.all().stream().filter(Topic::coPartitioned)
        .collect(Collectors.groupingBy(t -> partitions.get(t.name()),
            Collectors.mapping(Topic::name, Collectors.toList())));
    if (byCount.size() > 1) {
      problems.add("co-partitioned topics must have the same number of partitions, but have "
          + byCount.entrySet().stream().map(e -> e.getValue() + " = " + e.getKey())
              .collect(Collectors.joining(", "))
          + "; records of one connection would land on different instances");
    }
    for (Topic<?, ?> topic : topics.all()) {
      String actual = cleanup.get(topic.name());
      if (actual != null && !actual.equals(topic.cleanupPolicy())) {
        problems.add("topic " + topic.name() + " has cleanup.policy=" + actual + ", expected "
            + topic.cleanupPolicy());
      }
    }
    if (!problems.isEmpty()) {
      throw new TopicVerificationException(String.join("\n", problems));
    }
  }

  private NewTopic newTopic(Topic<?, ?> topic) {
    NewTopic t = new NewTopic(topic.name(), java.util.Optional.of(topic.partitions()),
        replicationFactor < 0 ? java.util.Optional.empty() : java.util.Optional.of(replicationFactor));
    Map<String, String> configs = new HashMap<>();
    configs.put(TopicConfig.CLEANUP_POLICY_CONFIG, topic.cleanupPolicy());
    topic.retention().ifPresent(r -> configs.put(TopicConfig.RETENTION_MS_CONFIG, Long.toString(r.toMillis())));
    return t.configs(configs);
  }

  private Map<String, Integer> describe(Collection<String> names) throws InterruptedException {
    Map<String, TopicDescription> descriptions = call(() -> admin.describeTopics(names).allTopicNames().get());
    Map<String, Integer> counts = new HashMap<>();
    descriptions.forEach((name, d) -> counts.put(name, d.partitions().size()));
    return counts;
  }

  private Map<String, String> cleanupPolicies(Collection<String> names) throws InterruptedException {
    List<ConfigResource> resources = names.stream()
        .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList();
    Map<ConfigResource, Config> configs = call(() -> admin.describeConfigs(resources).all().get());
    Map<String, String> policies = new HashMap<>();
    configs.forEach((r, c) -> {
      var entry = c.get(TopicConfig.CLEANUP_POLICY_CONFIG);
      if (entry != null) {
        policies.put(r.name(), entry.value());
      }
    });
    return policies;
  }

  private interface AdminCall<T> {
    T get() throws InterruptedException, ExecutionException;
  }

  /** Runs an admin request, retrying retriable errors (such as metadata not yet propagated) for 30 s. */
  private static <T> T call(AdminCall<T> call) throws InterruptedException {
    long deadline = System.nanoTime() + RETRY_FOR.toNanos();
    while (true) {
      try {
        return call.get();
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
          throw new TopicVerificationException("Kafka admin request failed: " + e.getCause().getMessage());
        }
        Thread.sleep(200);
      }
    }
  }
}
