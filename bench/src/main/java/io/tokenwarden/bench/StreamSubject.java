package io.tokenwarden.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwarden.contracts.Topics;
import io.tokenwarden.producer.IssuedToken;
import io.tokenwarden.producer.TokenEventPublisher;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.runtime.config.TokenwardenConfig;
import io.tokenwarden.runtime.provider.Providers;
import io.tokenwarden.runtime.sealing.CredentialSealer;
import io.tokenwarden.runtime.topics.TopicAdmin;
import io.tokenwarden.schema.ExpiryKind;
import io.tokenwarden.schema.TokenExpiryEvent;
import io.tokenwarden.stream.ExpiryConfig;
import io.tokenwarden.stream.ExpiryStreamRunner;
import io.tokenwarden.stream.ExpiryTopology;
import io.tokenwarden.stream.processor.DueTimerScan;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntToLongFunction;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;

/**
 * The expiry stream on its own topics, fed through {@link TokenEventPublisher} and watched by a read-committed
 * consumer of {@code tokens.expiry} and {@code connections.status}.
 *
 * <p>Every connection is a Facebook token, which no machine can renew, with {@code WARN_BEFORE} set to
 * {@link #WARN_BEFORE}. A connection due at {@code T} is issued with {@code expiresAt = T + WARN_BEFORE}: its
 * only deadline before the far future is the warning at {@code T}, which emits one {@code EXPIRING} event. A
 * tracked connection expires two such leads ahead, so neither of its two timers fires during the run.
 */
final class StreamSubject implements TimerSubject {

  /** The warning lead of the bench's Facebook policy. */
  static final Duration WARN_BEFORE = Duration.ofDays(1500);
  static final String PROVIDER = "facebook";

  private final String name;
  private final String bootstrap;
  private final Topics topics;
  private final Map<String, String> vars;
  private final Map<String, Object> kafka;
  private final DueTimerScan scan;
  private final TokenEventPublisher publisher;
  private final KafkaConsumer<String, byte[]> consumer;
  private final Thread reader;
  private volatile boolean reading = true;
  private final Map<String, AtomicLong> statuses = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> lastStatusAt = new ConcurrentHashMap<>();
  private final FiredLog fired = new FiredLog();
  private final AtomicLong tracked = new AtomicLong();
  private final Path stateDir;
  private KafkaStreams streams;
  private long runningAfterMs;

  /**
   * Creates the topics and starts the stream with {@code threads} stream threads, waiting until it runs.
   *
   * @param scan how the punctuator finds due timers; {@link DueTimerScan#DEADLINE_INDEX} is the shipped one
   */
  StreamSubject(String name, String bootstrap, BenchParams params, DueTimerScan scan, int threads,
      CredentialSealer sealer) throws Exception {
    this.name = name;
    this.bootstrap = bootstrap;
    this.scan = scan;
    String prefix = "bench-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    this.topics = Topics.create(prefix, params.partitions());
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      new TopicAdmin(admin, (short) -1).ensure(topics);
    }
    this.stateDir = Files.createTempDirectory("tokenwarden-bench-state");
    vars = new HashMap<>();
    vars.put("TOKENWARDEN_TOPIC_PREFIX", prefix);
    vars.put("TOKENWARDEN_PARTITIONS", Integer.toString(params.partitions()));
    vars.put("TOKENWARDEN_EXPIRY_APPLICATION_ID", prefix + "expiry");
    vars.put("TOKENWARDEN_EXPIRY_STATE_DIR", stateDir.toString());
    vars.put("TOKENWARDEN_PUNCTUATE_INTERVAL", params.punctuateInterval().toString());
    vars.put("TOKENWARDEN_PUNCTUATE_MAX_TIMERS", Integer.toString(params.punctuateMaxTimers()));
    vars.put("TOKENWARDEN_PUNCTUATE_MAX_TIME", params.punctuateMaxTime().toString());
    vars.put("TOKENWARDEN_POLICY_FACEBOOK_WARN_BEFORE", WARN_BEFORE.toString());
    kafka = new HashMap<>();
    kafka.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    kafka.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, Integer.toString(params.commitIntervalMs()));
    kafka.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.toString(threads));

    Map<String, String> publisherVars = new HashMap<>(vars);
    publisherVars.put("KAFKA_LINGER_MS", "5");
    publisherVars.put("KAFKA_BATCH_SIZE", "131072");
    publisher = TokenEventPublisher.create(TokenwardenConfig.from(Env.of(publisherVars)), bootstrap, sealer,
        new Providers(Env.of(Map.of())));

    consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.GROUP_ID_CONFIG, prefix + "bench-reader",
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000"),
        new StringDeserializer(), new ByteArrayDeserializer());
    consumer.subscribe(List.of(topics.expiry.name(), topics.status.name()));
    reader = new Thread(this::read, "bench-reader-" + name);
    reader.setDaemon(true);
    reader.start();
    startStream();
  }

  /** The environment the stream runs with; a restarted stream in another JVM uses the same. */
  Map<String, String> vars() {
    return Map.copyOf(vars);
  }

  Map<String, Object> kafka() {
    return Map.copyOf(kafka);
  }

  Path stateDir() {
    return stateDir;
  }

  String bootstrap() {
    return bootstrap;
  }

  /** How long the last start took to reach {@code RUNNING}. */
  long runningAfterMs() {
    return runningAfterMs;
  }

  /** Starts the stream on this subject's state directory and waits until it runs. */
  void startStream() throws InterruptedException {
    long started = System.currentTimeMillis();
    ExpiryConfig config = ExpiryConfig.of(vars);
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    if (scan == DueTimerScan.DEADLINE_INDEX) {
      streams = ExpiryStreamRunner.create(config, topics, kafka, registry).streams();
    } else {
      streams = new KafkaStreams(ExpiryTopology.build(config, topics, registry, scan),
          ExpiryStreamRunner.streamsProperties(config, topics, kafka, registry));
    }
    streams.start();
    while (streams.state() != KafkaStreams.State.RUNNING) {
      if (streams.state() == KafkaStreams.State.ERROR || System.currentTimeMillis() - started > 120_000) {
        throw new IllegalStateException(name + ": the stream did not reach RUNNING: " + streams.state());
      }
      Thread.sleep(20);
    }
    runningAfterMs = System.currentTimeMillis() - started;
  }

  private void read() {
    var deserializer = topics.expiry.valueSerde().deserializer();
    while (reading) {
      for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(50))) {
        long now = System.currentTimeMillis();
        String batch = batchOf(r.key());
        if (r.topic().equals(topics.status.name())) {
          statuses.computeIfAbsent(batch, b -> new AtomicLong()).incrementAndGet();
          lastStatusAt.computeIfAbsent(batch, b -> new AtomicLong()).set(now);
        } else {
          TokenExpiryEvent e = deserializer.deserialize(r.topic(), r.value());
          if (e.getKind() == ExpiryKind.EXPIRING) {
            long due = e.getExpiresAt().toEpochMilli() - WARN_BEFORE.toMillis();
            fired.add(batch, new Fired(due, r.timestamp(), now));
          }
        }
      }
    }
  }

  private static String batchOf(String key) {
    int dash = key.indexOf('-');
    return dash < 0 ? key : key.substring(0, dash);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void issue(String batch, int from, int to, IntToLongFunction dueAt) {
    long farFuture = System.currentTimeMillis() + 2 * WARN_BEFORE.toMillis();
    for (int i = from; i < to; i++) {
      long due = dueAt.applyAsLong(i);
      long expiresAt = due == TRACKED ? farFuture : due + WARN_BEFORE.toMillis();
      String id = batch + "-" + i;
      publisher.issued(IssuedToken.of(id, PROVIDER, "acct-" + i, "bench-access-" + i, null,
          Instant.ofEpochMilli(expiresAt)));
    }
    publisher.flush();
    tracked.addAndGet(to - from);
  }

  @Override
  public long awaitIngested(String batch, int count, Duration timeout) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    while (statusCount(batch) < count) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException(name + ": " + statusCount(batch) + " of " + count + " statuses of batch "
            + batch + " after " + timeout);
      }
      if (streams.state() == KafkaStreams.State.ERROR) {
        throw new IllegalStateException(name + ": the stream failed");
      }
      Thread.sleep(10);
    }
    return lastStatusAt.get(batch).get();
  }

  long statusCount(String batch) {
    AtomicLong n = statuses.get(batch);
    return n == null ? 0 : n.get();
  }

  @Override
  public List<Fired> awaitFired(String batch, int count, Duration timeout) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    while (firedCount(batch) < count && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    return fired.snapshot(batch);
  }

  int firedCount(String batch) {
    return fired.count(batch);
  }

  @Override
  public long tracked() {
    return tracked.get();
  }

  /** Stops firing and processing, but keeps the client in the group; for a clean hand-over to a restart. */
  void pause() {
    streams.pause();
  }

  /** Processing and firing go on after {@link #pause()}. */
  void resume() {
    streams.resume();
  }

  /** Closes the stream but keeps the topics and this subject's reader. */
  void closeStream() {
    if (streams != null) {
      // Leave the group, as the shipped runner does, so a restarted instance gets the tasks at once.
      streams.close(CloseOptions.timeout(Duration.ofSeconds(60))
          .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
      streams = null;
    }
  }

  @Override
  public void close() {
    closeStream();
    reading = false;
    try {
      reader.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    consumer.close(Duration.ofSeconds(5));
    publisher.close();
    Dirs.delete(stateDir);
  }
}
