package io.tokenwarden.worker;

import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import io.tokenwarden.contracts.Topics;
import io.tokenwarden.runtime.sealing.CredentialSealer;
import io.tokenwarden.schema.TokenLifecycleEvent;
import io.tokenwarden.worker.provider.TokenEndpoint;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the refresh worker: consumes {@code tokens.refresh-commands}, renews tokens at the providers and
 * publishes {@code TokenRefreshed} or {@code RefreshFailed} to {@code tokens.lifecycle}, exactly once per
 * command.
 *
 * <p>Typical use, from a command-line main:
 * <pre>{@code
 * Env env = Env.system();
 * TokenwardenConfig common = TokenwardenConfig.from(env);
 * Map<String, Object> kafka = new HashMap<>(common.kafka());
 * kafka.put("bootstrap.servers", BrokerAddress.resolve(common));
 * CredentialSealer sealer = new CredentialSealer(Keysets.load(env, common.dataDir(), common.local()));
 * RefreshWorkerRunner worker = RefreshWorkerRunner.start(WorkerConfig.from(env), common.topics(), kafka, sealer,
 *     registry);
 * int exitCode = worker.runUntilShutdown();   // blocks; stops gracefully on SIGTERM
 * System.exit(exitCode);
 * }</pre>
 *
 * <p>Health: {@link #isReady()} is true while the worker has partitions assigned; {@link #isLive()} is false once
 * the poll loop has stopped or has not turned for {@value #LIVENESS_SECONDS} seconds, or a partition with pending
 * commands has not moved its committed offset for {@link WorkerConfig#stallTimeout()}.
 *
 * <p>A fatal producer error ({@code ProducerFencedException} and the others of {@code KafkaProducer}'s contract)
 * stops the worker with {@link #exitCode()} 1, and the process exits non-zero for the platform to restart it;
 * nothing is committed after such an error, so the restarted worker re-reads every unanswered command.
 *
 * <p>Kafka client properties (from {@code KAFKA_*}) win over this class's tuning defaults, but never over what
 * exactly-once needs: the group id and transactional id from {@link WorkerConfig}, {@code read_committed},
 * no auto-commit, and an idempotent producer.
 */
public final class RefreshWorkerRunner implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RefreshWorkerRunner.class);

  /** The poll loop must turn at least this often for {@link #isLive()}. */
  public static final long LIVENESS_SECONDS = 60;

  private final WorkerStatus status;
  private final Thread pollThread;
  private final WorkerConfig config;

  private final List<KafkaClientMetrics> clientMetrics;

  private RefreshWorkerRunner(WorkerStatus status, Thread pollThread, WorkerConfig config,
      List<KafkaClientMetrics> clientMetrics) {
    this.status = status;
    this.pollThread = pollThread;
    this.config = config;
    this.clientMetrics = clientMetrics;
  }

  /**
   * Starts a worker in a background thread and returns at once.
   *
   * @param config the worker's settings, from {@link WorkerConfig#from}
   * @param topics the topic catalogue (the topics must exist)
   * @param kafkaProps Kafka client properties, {@code bootstrap.servers} included
   * @param sealer opens command credentials and seals renewed ones
   * @param registry where the worker's meters are registered
   */
  public static RefreshWorkerRunner start(WorkerConfig config, Topics topics, Map<String, Object> kafkaProps,
      CredentialSealer sealer, MeterRegistry registry) {
    return start(config, topics, kafkaProps, sealer, registry, Map.of(), RefreshWorker.CommitHook.NONE);
  }

  static RefreshWorkerRunner start(WorkerConfig config, Topics topics, Map<String, Object> kafkaProps,
      CredentialSealer sealer, MeterRegistry registry, Map<String, TokenEndpoint> endpointOverrides,
      RefreshWorker.CommitHook hook) {
    if (!kafkaProps.containsKey("bootstrap.servers")) {
      throw new IllegalArgumentException("kafkaProps must contain bootstrap.servers");
    }
    Clock clock = Clock.systemUTC();
    WorkerMetrics metrics = new WorkerMetrics(registry);
    metrics.initialise(config.providers());
    RefreshHandler handler = new RefreshHandler(new ProviderClients(config.env(), clock, metrics, endpointOverrides),
        sealer, metrics, clock);
    KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerProps(config, kafkaProps),
        topics.refreshCommands.keySerde().deserializer(), new ByteArrayDeserializer());
    // Raw bytes: one transaction carries results to tokens.lifecycle and bad commands to the dead-letter topic.
    Producer<byte[], byte[]> producer;
    try {
      producer = new KafkaProducer<>(producerProps(config, kafkaProps), new ByteArraySerializer(),
          new ByteArraySerializer());
    } catch (RuntimeException e) {
      consumer.close(Duration.ZERO);
      throw e;
    }
    // The Kafka clients' own metrics (consumer lag among them), on the same registry.
    List<KafkaClientMetrics> clientMetrics = List.of(new KafkaClientMetrics(consumer), new KafkaClientMetrics(producer));
    clientMetrics.forEach(m -> m.bindTo(registry));
    ExecutorService calls = Executors.newFixedThreadPool(config.concurrency(), threads("tokenwarden-refresh-call-"));
    WorkerStatus status = new WorkerStatus();
    RefreshWorker worker = new RefreshWorker(consumer, producer, topics, handler, calls, config, metrics, hook, status);
    Thread thread = new Thread(worker, "tokenwarden-worker-poll");
    log.info("starting the refresh worker: group {}, transactional id {}, concurrency {}", config.groupId(),
        config.transactionalId(), config.concurrency());
    thread.start();
    return new RefreshWorkerRunner(status, thread, config, clientMetrics);
  }

  /** Consumer properties: the client properties, our defaults, then what exactly-once requires. */
  static Map<String, Object> consumerProps(WorkerConfig config, Map<String, Object> kafkaProps) {
    Map<String, Object> props = new HashMap<>(kafkaProps);
    props.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, config.transactionalId() + "-consumer");
    props.putIfAbsent(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, Math.min(500, config.maxBuffered()));
    props.put(ConsumerConfig.GROUP_ID_CONFIG, config.groupId());
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    return props;
  }

  /** Producer properties: the client properties, our defaults, then what exactly-once requires. */
  static Map<String, Object> producerProps(WorkerConfig config, Map<String, Object> kafkaProps) {
    Map<String, Object> props = new HashMap<>(kafkaProps);
    props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, config.transactionalId() + "-producer");
    props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, config.transactionalId());
    props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
    props.put(ProducerConfig.ACKS_CONFIG, "all");
    return props;
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  /** True while the worker has partitions of the command topic assigned and runs. */
  public boolean isReady() {
    return !status.isTerminated() && !status.stopRequested() && !status.assignment().isEmpty();
  }

  /**
   * True while the poll loop runs and has turned within the last {@value #LIVENESS_SECONDS} seconds, and no
   * partition with pending commands has gone {@link WorkerConfig#stallTimeout()} without progress.
   */
  public boolean isLive() {
    long now = System.nanoTime();
    long stalledSince = status.stalledSince();
    return !status.isTerminated() && status.failure().isEmpty()
        && now - status.lastLoopNanos() < Duration.ofSeconds(LIVENESS_SECONDS).toNanos()
        && (stalledSince == Long.MAX_VALUE || now - stalledSince < config.stallTimeout().toNanos());
  }

  /** Why {@link #isLive()} says what it says, for the health endpoint. */
  public String liveness() {
    long now = System.nanoTime();
    long stalledSince = status.stalledSince();
    if (status.isTerminated() || status.failure().isPresent()) {
      return "worker stopped" + status.failure().map(f -> ": " + f.getClass().getSimpleName()).orElse("");
    }
    long sinceLoop = now - status.lastLoopNanos();
    if (sinceLoop >= Duration.ofSeconds(LIVENESS_SECONDS).toNanos()) {
      return "worker poll loop stalled for " + Duration.ofNanos(sinceLoop).toSeconds() + " s";
    }
    if (stalledSince != Long.MAX_VALUE && now - stalledSince >= config.stallTimeout().toNanos()) {
      return "a partition with pending commands made no progress for " + Duration.ofNanos(now - stalledSince)
          .toSeconds() + " s (TOKENWARDEN_WORKER_STALL_TIMEOUT " + config.stallTimeout() + ")";
    }
    return "worker poll loop turning";
  }

  /** The partitions assigned right now. */
  public Set<TopicPartition> assignment() {
    return status.assignment();
  }

  /** The error that stopped the worker, if one did. */
  public Optional<Throwable> fatalError() {
    return status.failure();
  }

  /** 0 while running or after a clean stop, 1 after a fatal error. */
  public int exitCode() {
    return status.failure().isPresent() ? 1 : 0;
  }

  /** Waits until the worker has stopped, by {@link #close} or a fatal error; true if it has. */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    return status.awaitTermination(timeout.toNanos());
  }

  /**
   * Blocks until the worker stops: by a fatal error, or by JVM shutdown (SIGTERM, Ctrl-C), on which a shutdown
   * hook stops it gracefully within the configured shutdown timeout. Returns the {@link #exitCode()}.
   */
  public int runUntilShutdown() throws InterruptedException {
    Thread hook = new Thread(() -> close(config.shutdownTimeout()), "tokenwarden-worker-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    status.awaitTermination(Long.MAX_VALUE);
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException alreadyShuttingDown) {
      // The hook is running; the worker is already stopped.
    }
    return exitCode();
  }

  /**
   * Stops gracefully: stops fetching, lets in-flight calls finish (abandoning those still running after about
   * three quarters of {@code timeout}; their commands are re-delivered), commits what completed, leaves the group
   * and closes. Returns whether the worker stopped within {@code timeout}.
   */
  public boolean close(Duration timeout) {
    status.requestStop(timeout);
    try {
      pollThread.join(Math.max(1, timeout.toMillis() + 2_000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    clientMetrics.forEach(KafkaClientMetrics::close);
    return status.isTerminated();
  }

  /** {@link #close(Duration)} with the configured shutdown timeout. */
  @Override
  public void close() {
    close(config.shutdownTimeout());
  }
}
