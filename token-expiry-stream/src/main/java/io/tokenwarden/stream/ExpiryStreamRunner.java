package io.tokenwarden.stream;

import io.micrometer.core.instrument.MeterRegistry;
import io.tokenwarden.contracts.Topics;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the expiry stream: owns one {@link KafkaStreams} instance and its lifecycle.
 *
 * <p>Typical use, from a command-line main:
 * <pre>{@code
 * Env env = Env.system();
 * TokenwardenConfig common = TokenwardenConfig.from(env);
 * Map<String, Object> kafka = new HashMap<>(common.kafka());
 * kafka.put("bootstrap.servers", BrokerAddress.resolve(common));
 * ExpiryStreamRunner runner = ExpiryStreamRunner.create(ExpiryConfig.from(env), common.topics(), kafka, registry);
 * int exitCode = runner.runUntilShutdown(Duration.ofSeconds(30));   // blocks; closes on SIGTERM
 * System.exit(exitCode);
 * }</pre>
 * Or drive it by hand: {@link #start()}, {@link #state()}, {@link #awaitTermination(Duration)},
 * {@link #close(Duration)}, then {@link #exitCode()}.
 *
 * <p>Any unexpected error in a stream thread shuts the whole client down: the state goes to {@code ERROR},
 * {@link #fatalError()} holds the cause and {@link #exitCode()} becomes 1. Records that cannot be decoded, fail
 * validation, or whose processing throws are not errors; they go to the dead-letter topic
 * ({@link DeadLetterHandler}) and processing goes on.
 * A schema registry that cannot be reached is neither: the stream thread is replaced and resumes from the last
 * commit, so the stream makes no progress until the registry answers, and loses nothing
 * ({@code RegistryOutageHandlers}).
 *
 * <p>Kafka client properties (from {@code KAFKA_*}) win over the defaults this class applies: the
 * {@link ExpiryConfig} application id, processing guarantee and state directory, the dead-letter topic, the
 * producer's {@code batch.size} and {@code linger.ms} ({@code KAFKA_BATCH_SIZE} or {@code KAFKA_PRODUCER_BATCH_SIZE}
 * and so on), {@code poll.ms} and {@code num.stream.threads}. {@code commit.interval.ms} stays Kafka Streams' exactly-once default
 * of 100 ms: output becomes visible to {@code read_committed} readers at each commit.
 */
public final class ExpiryStreamRunner implements AutoCloseable {

  /** The stream producer's default {@code batch.size}. */
  public static final int PRODUCER_BATCH_SIZE = 262_144;
  /** The stream producer's default {@code linger.ms}. */
  public static final int PRODUCER_LINGER_MS = 5;
  /** The default {@code poll.ms}. */
  public static final int POLL_MS = 10;

  private static final Logger log = LoggerFactory.getLogger(ExpiryStreamRunner.class);

  private final KafkaStreams streams;
  private final CountDownLatch terminated = new CountDownLatch(1);
  private final AtomicReference<Throwable> fatalError = new AtomicReference<>();

  private ExpiryStreamRunner(Topology topology, Properties properties) {
    this.streams = new KafkaStreams(topology, properties);
    streams.setStateListener((newState, oldState) -> {
      log.info("expiry stream {} -> {}", oldState, newState);
      if (newState == KafkaStreams.State.ERROR || newState == KafkaStreams.State.NOT_RUNNING) {
        terminated.countDown();
      }
    });
    streams.setUncaughtExceptionHandler(e -> {
      StreamThreadExceptionResponse response = RegistryOutageHandlers.threadResponse(e);
      if (response == StreamThreadExceptionResponse.REPLACE_THREAD) {
        log.warn("schema registry unavailable; replacing the stream thread, which resumes from the last commit: {}",
            e.toString());
        return response;
      }
      fatalError.compareAndSet(null, e);
      log.error("expiry stream failed; shutting down: {}", e.toString(), e);
      return response;
    });
  }

  /**
   * A runner for the expiry stream, not yet started.
   *
   * @param config the stream's settings
   * @param topics the topic catalogue (the topics must exist)
   * @param kafkaClientProps Kafka client properties, {@code bootstrap.servers} included
   * @param registry where the stream's meters are registered
   */
  public static ExpiryStreamRunner create(ExpiryConfig config, Topics topics, Map<String, Object> kafkaClientProps,
      MeterRegistry registry) {
    return new ExpiryStreamRunner(ExpiryTopology.build(config, topics, registry),
        streamsProperties(config, topics, kafkaClientProps, registry));
  }

  /** The Kafka Streams properties the runner uses: the client properties, then our defaults. */
  public static Properties streamsProperties(ExpiryConfig config, Topics topics, Map<String, Object> kafkaClientProps,
      MeterRegistry registry) {
    Properties props = new Properties();
    props.putAll(kafkaClientProps);
    props.putIfAbsent(StreamsConfig.APPLICATION_ID_CONFIG, config.applicationId());
    props.putIfAbsent(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, config.processingGuarantee());
    props.putIfAbsent(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toString());
    props.putIfAbsent(StreamsConfig.ERRORS_DEAD_LETTER_QUEUE_TOPIC_NAME_CONFIG, topics.lifecycleDlq.name());
    props.putIfAbsent(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class.getName());
    props.putIfAbsent(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG,
        RegistryOutageHandlers.Production.class.getName());
    props.putIfAbsent(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, DeadLetterHandler.class.getName());
    props.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    // Each task reads one partition of one topic, so there is nothing to align across partitions, and the
    // default's empty-partition bookkeeping cost about 6% of the stream thread in the benchmarks' profile.
    props.putIfAbsent(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, Long.toString(StreamsConfig.MAX_TASK_IDLE_MS_DISABLED));
    // A burst of fired timers is many small records: 256 KB batches sent after 5 ms (Streams' defaults are 16 KB
    // and, under exactly-once, 100 ms) gave +40% burst throughput and halved the broker's CPU per timer.
    producerDefault(props, ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(PRODUCER_BATCH_SIZE));
    producerDefault(props, ProducerConfig.LINGER_MS_CONFIG, Integer.toString(PRODUCER_LINGER_MS));
    // While only timers fire there is no input, and each loop blocked in poll for Streams' default 100 ms between
    // punctuations; 10 ms costs an idle thread about 100 empty polls a second.
    props.putIfAbsent(StreamsConfig.POLL_MS_CONFIG, Integer.toString(POLL_MS));
    props.putIfAbsent(StreamsConfig.NUM_STREAM_THREADS_CONFIG,
        Integer.toString(defaultThreads(Runtime.getRuntime().availableProcessors(), topics.lifecycle.partitions())));
    props.put(DeadLetterHandler.METER_REGISTRY_CONFIG, registry);
    if (!props.containsKey(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG)) {
      throw new IllegalArgumentException("kafkaClientProps must contain bootstrap.servers");
    }
    return props;
  }

  /**
   * Sets a producer property of the stream unless the client properties set it, prefixed ({@code producer.*}, from
   * {@code KAFKA_PRODUCER_*}) or not (from {@code KAFKA_*}): Kafka Streams lets the prefixed form win, so a
   * default under the prefix would hide the user's unprefixed setting.
   */
  private static void producerDefault(Properties props, String name, String value) {
    if (!props.containsKey(name) && !props.containsKey(StreamsConfig.producerPrefix(name))) {
      props.put(StreamsConfig.producerPrefix(name), value);
    }
  }

  /**
   * The default {@code num.stream.threads}: one per processor, but no more than the input partitions, since a
   * thread without a task only idles. Each thread has its own producer and transaction, and the tasks (and their
   * stores) are shared out, not copied, so the heap barely grows.
   */
  static int defaultThreads(int processors, int partitions) {
    return Math.max(1, Math.min(processors, partitions));
  }

  /** Starts processing in background threads; returns at once. */
  public void start() {
    log.info("starting the expiry stream");
    streams.start();
  }

  /** The Kafka Streams state: {@code RUNNING} when ready, {@code ERROR} after a fatal error. */
  public KafkaStreams.State state() {
    return streams.state();
  }

  /** Waits until the stream has stopped, by {@link #close} or by a fatal error; true if it has. */
  public boolean awaitTermination(Duration timeout) throws InterruptedException {
    return terminated.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The error that stopped the stream, if one did. */
  public Optional<Throwable> fatalError() {
    return Optional.ofNullable(fatalError.get());
  }

  /** 0 while running or after a clean close, 1 after a fatal error. */
  public int exitCode() {
    return fatalError.get() != null || streams.state() == KafkaStreams.State.ERROR ? 1 : 0;
  }

  /**
   * Starts the stream and blocks until it stops: by a fatal error, or by JVM shutdown (SIGTERM, Ctrl-C),
   * on which a shutdown hook closes it within {@code closeTimeout}. Returns the {@link #exitCode()}.
   */
  public int runUntilShutdown(Duration closeTimeout) throws InterruptedException {
    Thread hook = new Thread(() -> close(closeTimeout), "tokenwarden-expiry-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    start();
    terminated.await();
    if (fatalError.get() != null) {
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException alreadyShuttingDown) {
        // The hook is running or will run; it closes the client.
      }
      close(closeTimeout);
    }
    return exitCode();
  }

  /**
   * Stops processing, commits, and leaves the consumer group so another instance takes over the tasks at
   * once. Returns whether it finished within {@code timeout}.
   */
  public boolean close(Duration timeout) {
    log.info("closing the expiry stream");
    boolean closed = streams.close(CloseOptions.timeout(timeout)
        .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
    terminated.countDown();
    return closed;
  }

  /** {@link #close(Duration)} with a 30-second timeout. */
  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }

  /** The underlying client, for health checks and tests. */
  public KafkaStreams streams() {
    return streams;
  }
}
