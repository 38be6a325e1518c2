package io.tokenwarden.bench;

import io.tokenwarden.contracts.Topics;
import io.tokenwarden.producer.IssuedToken;
import io.tokenwarden.producer.TokenEventPublisher;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.runtime.config.KafkaClients;
import io.tokenwarden.runtime.config.TokenwardenConfig;
import io.tokenwarden.runtime.provider.Providers;
import io.tokenwarden.runtime.sealing.CredentialSealer;
import io.tokenwarden.runtime.topics.TopicAdmin;
import io.tokenwarden.stream.ExpiryConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntToLongFunction;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.streams.StreamsConfig;

/**
 * One of the bench's streams ({@link BenchStreams}) on its own topics, fed through {@link TokenEventPublisher}
 * and watched by a read-committed consumer of {@code tokens.expiry} and {@code connections.status}.
 *
 * <p>The stream runs with the settings a user gets from {@code tokenwarden run --stream}: {@link ExpiryConfig}'s
 * defaults and the Kafka Streams defaults the runner applies, overridden only by the {@code TOKENWARDEN_*} and
 * {@code KAFKA_*} variables of the bench's own environment (so {@code KAFKA_PRODUCER_*} reaches it as it reaches
 * {@code run --stream}). The bench sets only what a second deployment would: its topics, application id and state
 * directory, the stream thread count, and the warning lead below.
 *
 * <p>Every connection is a Facebook token, which no machine can renew, with {@code WARN_BEFORE} set to
 * {@link #WARN_BEFORE}. A connection due at {@code T} is issued with {@code expiresAt = T + WARN_BEFORE}: its
 * only deadline before the far future is the warning at {@code T}, which emits one {@code EXPIRING} event. A
 * tracked connection expires two such leads ahead, so neither of its two timers fires during the run.
 *
 * <p>The reader does as little as it can: it decodes nothing, counts statuses per batch from the key, and takes a
 * fired event's due time from what the bench issued for that key.
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
  private final boolean inChild;
  private final String childHeap;
  private final TokenEventPublisher publisher;
  private final KafkaConsumer<byte[], byte[]> consumer;
  private final Thread reader;
  private volatile boolean reading = true;
  private final Map<String, AtomicLong> statuses = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> lastStatusAt = new ConcurrentHashMap<>();
  private final Map<String, IntToLongFunction> dues = new ConcurrentHashMap<>();
  private final Map<String, AtomicIntegerArray> firedByPartition = new ConcurrentHashMap<>();
  private final AtomicLong statusBytes = new AtomicLong();
  private final AtomicLong statusRecords = new AtomicLong();
  private final FiredLog fired = new FiredLog();
  private final AtomicLong tracked = new AtomicLong();
  private final List<Path> stateDirs = new ArrayList<>();
  private final int partitions;
  private StreamHandle stream;
  private long runningAfterMs;
  private long stateBytesAtClose = -1;

  /**
   * Creates the topics and starts the stream, waiting until it runs.
   *
   * @param kind {@code tokenwarden} or {@code eos-pass-through} ({@link BenchStreams})
   * @param threads {@code num.stream.threads}, or 0 for the stream's default
   * @param extraVars variables on top of the bench's own, such as the pass-through's record size
   * @param extraKafka Kafka Streams properties on top of the defaults, such as standby replicas in scale-out
   */
  StreamSubject(String name, String bootstrap, BenchParams params, String kind, int threads,
      CredentialSealer sealer, Map<String, String> extraVars, Map<String, Object> extraKafka) throws Exception {
    this.name = name;
    this.bootstrap = bootstrap;
    this.inChild = params.childJvm();
    this.childHeap = params.childHeap();
    this.partitions = params.partitions();
    String prefix = "bench-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    this.topics = Topics.create(prefix, params.partitions());
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      new TopicAdmin(admin, (short) -1).ensure(topics);
    }
    vars = new HashMap<>(userSettings());
    vars.put("TOKENWARDEN_TOPIC_PREFIX", prefix);
    vars.put("TOKENWARDEN_PARTITIONS", Integer.toString(params.partitions()));
    vars.put("TOKENWARDEN_EXPIRY_APPLICATION_ID", prefix + "expiry");
    vars.put("TOKENWARDEN_POLICY_FACEBOOK_WARN_BEFORE", WARN_BEFORE.toString());
    vars.put(BenchStreams.KIND, kind);
    vars.putAll(extraVars);
    kafka = new HashMap<>(KafkaClients.base(TokenwardenConfig.from(Env.of(vars)), bootstrap));
    if (threads > 0) {
      kafka.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, Integer.toString(threads));
    }
    kafka.putAll(extraKafka);

    // The bench's publisher is not under test: it batches like a bulk loader, as raw's producer does.
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
        new ByteArrayDeserializer(), new ByteArrayDeserializer());
    consumer.subscribe(List.of(topics.expiry.name(), topics.status.name()));
    reader = new Thread(this::read, "bench-reader-" + name);
    reader.setDaemon(true);
    reader.start();
    startStream();
  }

  /** The {@code TOKENWARDEN_*} and {@code KAFKA_*} variables of the bench's environment, as a user sets them. */
  static Map<String, String> userSettings() {
    Map<String, String> m = new HashMap<>();
    System.getenv().forEach((k, v) -> {
      if ((k.startsWith("TOKENWARDEN_") || k.startsWith("KAFKA_")) && !k.equals("TOKENWARDEN_JAVA_OPTS")) {
        m.put(k, v);
      }
    });
    return m;
  }

  /** The stream's settings as it parses them, for the results file. */
  ExpiryConfig config() {
    return ExpiryConfig.from(Env.of(vars));
  }

  Map<String, Object> kafka() {
    return Map.copyOf(kafka);
  }

  String bootstrap() {
    return bootstrap;
  }

  /** How long the last start took to reach {@code RUNNING}. */
  long runningAfterMs() {
    return runningAfterMs;
  }

  /** The running stream. */
  StreamHandle stream() {
    return stream;
  }

  /** The state directory of the instance started last. */
  Path lastStateDir() {
    return stateDirs.get(stateDirs.size() - 1);
  }

  /** Starts the stream on a new, empty state directory and waits until it runs. */
  void startStream() throws Exception {
    startStream(inChild);
  }

  /** {@link #startStream()}, in a child JVM whatever the scale. */
  void startStream(boolean child) throws Exception {
    long started = System.currentTimeMillis();
    stream = startInstance(child);
    runningAfterMs = System.currentTimeMillis() - started;
  }

  /** Starts one more instance of the stream on the same topics, with a state directory of its own. */
  StreamHandle startInstance(boolean child) throws Exception {
    Path stateDir = Files.createTempDirectory("tokenwarden-bench-state");
    stateDirs.add(stateDir);
    Map<String, String> v = new HashMap<>(vars);
    v.put("TOKENWARDEN_EXPIRY_STATE_DIR", stateDir.toString());
    return child ? StreamHandle.child(v, kafka, childHeap, Duration.ofSeconds(300))
        : StreamHandle.inProcess(v, kafka, Duration.ofSeconds(120));
  }

  private void read() {
    String expiry = topics.expiry.name();
    while (reading) {
      for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(50))) {
        long now = System.currentTimeMillis();
        byte[] key = r.key();
        int dash = dashIn(key);
        String batch = new String(key, 0, dash < 0 ? key.length : dash, java.nio.charset.StandardCharsets.ISO_8859_1);
        if (!r.topic().equals(expiry)) {
          statuses.computeIfAbsent(batch, b -> new AtomicLong()).incrementAndGet();
          lastStatusAt.computeIfAbsent(batch, b -> new AtomicLong()).set(now);
          if (r.value() != null) {
            statusBytes.addAndGet(r.value().length);
            statusRecords.incrementAndGet();
          }
        } else {
          // The only expiry events of a run are the warnings of due connections (see the class comment).
          IntToLongFunction due = dues.get(batch);
          fired.add(batch, new Fired(due == null ? 0 : due.applyAsLong(indexIn(key, dash)), r.timestamp(), now));
          firedByPartition.computeIfAbsent(batch, b -> new AtomicIntegerArray(partitions))
              .incrementAndGet(r.partition());
        }
      }
    }
  }

  private static int dashIn(byte[] key) {
    for (int i = 0; i < key.length; i++) {
      if (key[i] == '-') {
        return i;
      }
    }
    return -1;
  }

  private static int indexIn(byte[] key, int dash) {
    int n = 0;
    for (int i = dash + 1; i < key.length; i++) {
      n = n * 10 + (key[i] - '0');
    }
    return n;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void issue(String batch, int from, int to, IntToLongFunction dueAt) {
    dues.putIfAbsent(batch, dueAt);
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
      if (stream != null && stream.failed()) {
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

  /** The mean size of the status records read so far, in bytes. */
  int meanStatusBytes() {
    long n = statusRecords.get();
    return n == 0 ? 100 : (int) (statusBytes.get() / n);
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

  /** Expiry events of {@code batch} read per partition. */
  int[] firedByPartition(String batch) {
    AtomicIntegerArray a = firedByPartition.get(batch);
    int[] out = new int[partitions];
    for (int i = 0; a != null && i < partitions; i++) {
      out[i] = a.get(i);
    }
    return out;
  }

  @Override
  public long tracked() {
    return tracked.get();
  }

  /** Stops firing and processing, but keeps the client in the group. */
  void pause() throws Exception {
    stream.pause();
  }

  /** Processing and firing go on after {@link #pause()}. */
  void resume() throws Exception {
    stream.resume();
  }

  /** Closes the stream and deletes its local state, but keeps the topics and this subject's reader. */
  void closeStream() {
    if (stream != null) {
      stream.close();
      stream = null;
      // After a clean close RocksDB has flushed its memtables: this is what the store takes on disk.
      stateBytesAtClose = Dirs.size(lastStateDir());
    }
  }

  /** Bytes of the last closed instance's state directory, measured after its close; -1 before. */
  long stateBytesAtClose() {
    return stateBytesAtClose;
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
    stateDirs.forEach(Dirs::delete);
  }
}
