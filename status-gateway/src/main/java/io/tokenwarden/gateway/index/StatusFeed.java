package io.tokenwarden.gateway.index;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tokenwarden.contracts.Topic;
import io.tokenwarden.schema.ConnectionStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads all of {@code connections.status} into a {@link StatusIndex}: every partition assigned (no consumer
 * group, so every replica holds every tenant), from the beginning, {@code read_committed}. The index is ready
 * once the feed has reached the end offsets it saw at start. A record that cannot be decoded or breaks a size
 * limit is skipped and counted; it never stops the feed.
 */
public final class StatusFeed implements AutoCloseable {

  /** Meter names, one place for the code, the rules and the dashboard. */
  public static final String STATUSES = "tokenwarden.gateway.statuses";
  public static final String LAG = "tokenwarden.gateway.status.lag.records";
  public static final String READY = "tokenwarden.gateway.ready";
  public static final String SKIPPED = "tokenwarden.gateway.status.skipped";

  /** Size limits on what the gateway holds and serves. */
  static final int MAX_ID = 255;
  static final int MAX_PROVIDER = 64;
  static final int MAX_REASON = 512;
  /** Interned strings (providers, reasons, tenants) kept at most; past that, new ones are not interned. */
  private static final int MAX_INTERNED = 200_000;
  private static final Duration STALL = Duration.ofSeconds(60);

  private static final Logger log = LoggerFactory.getLogger(StatusFeed.class);

  private final Topic<String, ConnectionStatus> topic;
  private final Map<String, Object> props;
  private final Renewal renewal;
  private final int replayEvents;
  private final MeterRegistry registry;
  private final Map<String, Counter> skipped = new ConcurrentHashMap<>();
  private final Map<String, String> interned = new ConcurrentHashMap<>();
  private final Thread thread;
  private volatile KafkaConsumer<byte[], byte[]> consumer;
  private volatile StatusIndex index;
  private volatile long lag = -1;
  private volatile long lastPollNanos = System.nanoTime();
  private volatile Throwable fatal;
  private volatile boolean closing;
  private volatile Instant startedAt;
  private volatile Duration timeToReady;

  /**
   * @param topic the status topic and its serdes
   * @param props Kafka client properties ({@code KAFKA_*} and bootstrap servers)
   */
  public StatusFeed(Topic<String, ConnectionStatus> topic, Map<String, Object> props, Renewal renewal,
      int replayEvents, MeterRegistry registry) {
    this.topic = topic;
    this.props = new HashMap<>(props);
    this.renewal = renewal;
    this.replayEvents = replayEvents;
    this.registry = registry;
    this.thread = new Thread(this::run, "gateway-status-feed");
    thread.setDaemon(true);
    Gauge.builder(STATUSES, this, f -> f.index == null ? 0 : f.index.size())
        .description("Connection statuses the gateway holds").register(registry);
    Gauge.builder(LAG, this, f -> f.lag)
        .description("Records of connections.status the gateway has not read yet (-1 before the first poll)")
        .register(registry);
    Gauge.builder(READY, this, f -> f.ready() ? 1 : 0)
        .description("1 once the gateway has caught up with connections.status").register(registry);
    for (String reason : List.of("undecodable", "bad_key", "key_mismatch", "too_long", "error")) {
      skipped(reason);
    }
  }

  public void start() {
    startedAt = Instant.now();
    thread.start();
  }

  /** The index; null until the topic's partitions are known. */
  public StatusIndex index() {
    return index;
  }

  /** Caught up with the end of the topic as it was at start. */
  public boolean ready() {
    StatusIndex i = index;
    return i != null && i.ready();
  }

  /** Alive unless the feed failed or has not polled for a minute. */
  public boolean live() {
    return fatal == null && !closing && System.nanoTime() - lastPollNanos < STALL.toNanos();
  }

  /** Why the feed stopped, if it did. */
  public String detail() {
    if (fatal != null) {
      return "status feed failed: " + fatal.getClass().getSimpleName();
    }
    StatusIndex i = index;
    return i == null ? "status feed waiting for " + topic.name()
        : (i.ready() ? "status feed caught up" : "status feed catching up") + ", " + i.size() + " statuses, lag " + lag;
  }

  /** Start to caught up, once it happened. */
  public Duration timeToReady() {
    return timeToReady;
  }

  private void run() {
    Map<String, Object> c = new HashMap<>(props);
    c.remove(ConsumerConfig.GROUP_ID_CONFIG);
    c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    c.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    c.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "tokenwarden-gateway-status");
    c.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000);
    c.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
    c.putIfAbsent(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 8 * 1024 * 1024);
    Deserializer<ConnectionStatus> values = topic.valueSerde().deserializer();
    try (KafkaConsumer<byte[], byte[]> kafka = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
        new ByteArrayDeserializer())) {
      consumer = kafka;
      List<TopicPartition> partitions = awaitPartitions(kafka);
      if (partitions == null) {
        return;
      }
      kafka.assign(partitions);
      kafka.seekToBeginning(partitions);
      Map<TopicPartition, Long> end = kafka.endOffsets(partitions);
      StatusIndex idx = new StatusIndex(partitions.size(), epoch(), replayEvents);
      index = idx;
      while (!closing) {
        ConsumerRecords<byte[], byte[]> records = kafka.poll(Duration.ofMillis(200));
        lastPollNanos = System.nanoTime();
        for (ConsumerRecord<byte[], byte[]> r : records) {
          apply(idx, values, r);
        }
        long behind = 0;
        boolean caughtUp = true;
        for (TopicPartition tp : partitions) {
          long pos = kafka.position(tp);
          idx.advance(tp.partition(), pos);
          caughtUp &= pos >= end.get(tp);
          OptionalLong l = kafka.currentLag(tp);
          behind += l.orElse(0);
        }
        lag = behind;
        if (caughtUp && !idx.ready()) {
          idx.markReady();
          timeToReady = Duration.between(startedAt, Instant.now());
          log.info("status feed caught up with {}: {} statuses in {} ms", topic.name(), idx.size(),
              timeToReady.toMillis());
        }
      }
    } catch (WakeupException e) {
      if (!closing) {
        fatal = e;
      }
    } catch (Throwable e) {
      fatal = e;
      log.error("status feed failed; the gateway reports not live: {}", e.toString());
    }
  }

  private List<TopicPartition> awaitPartitions(KafkaConsumer<byte[], byte[]> kafka) {
    while (!closing) {
      List<PartitionInfo> infos = kafka.partitionsFor(topic.name(), Duration.ofSeconds(10));
      lastPollNanos = System.nanoTime();
      if (infos != null && !infos.isEmpty()) {
        return infos.stream().map(i -> new TopicPartition(i.topic(), i.partition()))
            .sorted((a, b) -> Integer.compare(a.partition(), b.partition())).toList();
      }
      log.warn("topic {} not found yet; waiting", topic.name());
      try {
        TimeUnit.SECONDS.sleep(1);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return null;
      }
    }
    return null;
  }

  /** The first 8 characters of the topic id: event ids of a re-created topic do not resume in the new one. */
  private String epoch() {
    try (Admin admin = Admin.create(props)) {
      return admin.describeTopics(List.of(topic.name())).allTopicNames().get(30, TimeUnit.SECONDS)
          .get(topic.name()).topicId().toString().replaceAll("[^A-Za-z0-9]", "").substring(0, 8);
    } catch (Exception e) {
      log.warn("cannot read the topic id of {} ({}); event ids carry no epoch", topic.name(), e.toString());
      return "0";
    }
  }

  private void apply(StatusIndex idx, Deserializer<ConnectionStatus> values, ConsumerRecord<byte[], byte[]> r) {
    try {
      String key = r.key() == null ? null : new String(r.key(), java.nio.charset.StandardCharsets.UTF_8);
      if (key == null || key.isEmpty() || key.length() > MAX_ID) {
        skip(idx, r, "bad_key");
        return;
      }
      if (r.value() == null) {
        idx.apply(r.partition(), r.offset(), key, null);
        return;
      }
      ConnectionStatus s;
      try {
        s = values.deserialize(r.topic(), r.value());
      } catch (RuntimeException e) {
        skip(idx, r, "undecodable");
        return;
      }
      if (!key.equals(s.getConnectionId())) {
        skip(idx, r, "key_mismatch");
        return;
      }
      if (tooLong(s.getTenantId(), MAX_ID) || tooLong(s.getAccountId(), MAX_ID)
          || tooLong(s.getProvider(), MAX_PROVIDER) || tooLong(s.getReason(), MAX_REASON)) {
        skip(idx, r, "too_long");
        return;
      }
      idx.apply(r.partition(), r.offset(), key, view(s));
    } catch (RuntimeException e) {
      skip(idx, r, "error");
      log.warn("status record at {}-{}@{} skipped: {}", r.topic(), r.partition(), r.offset(), e.toString());
    }
  }

  private StatusView view(ConnectionStatus s) {
    return new StatusView(s.getConnectionId(), intern(s.getTenantId()), intern(s.getProvider()), s.getAccountId(),
        s.getState(), s.getAttention(), intern(s.getReason()), millis(s.getExpiresAt()),
        millis(s.getRefreshTokenExpiresAt()), millis(s.getLastRefreshedAt()), millis(s.getUpdatedAt()),
        s.getGeneration(), renewal.renewable(s), s.getRefreshing(), millis(s.getRefreshingSince()));
  }

  private void skip(StatusIndex idx, ConsumerRecord<byte[], byte[]> r, String reason) {
    skipped(reason).increment();
    idx.advance(r.partition(), r.offset() + 1);
  }

  private Counter skipped(String reason) {
    return skipped.computeIfAbsent(reason, k -> Counter.builder(SKIPPED)
        .description("Records of connections.status the gateway skipped, by reason").tag("reason", k)
        .register(registry));
  }

  private String intern(String s) {
    if (s == null) {
      return null;
    }
    String known = interned.get(s);
    if (known != null) {
      return known;
    }
    if (interned.size() < MAX_INTERNED) {
      interned.putIfAbsent(s, s);
    }
    return s;
  }

  private static boolean tooLong(String s, int max) {
    return s != null && s.length() > max;
  }

  private static long millis(Instant t) {
    return t == null ? StatusView.NONE : t.toEpochMilli();
  }

  @Override
  public void close() {
    closing = true;
    KafkaConsumer<byte[], byte[]> c = consumer;
    if (c != null) {
      c.wakeup();
    }
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
