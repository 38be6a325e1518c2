package io.tokenwarden.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwarden.contracts.Topics;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.runtime.sealing.CredentialSealer;
import io.tokenwarden.runtime.sealing.Keysets;
import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.RefreshFailed;
import io.tokenwarden.schema.TokenLifecycleEvent;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the worker does when the transaction's commit fails, with Kafka's own mock clients standing in for the
 * broker (a broker that times out a commit on request cannot be had in a test): a timed-out commit is retried
 * with the same call, as KafkaProducer requires, and never aborted; a fenced producer stops the worker with the
 * error, for the process to exit non-zero, and nothing is committed.
 */
class TransactionFailuresTest {

  private static final CredentialSealer SEALER = new CredentialSealer(Keysets.generate());
  private static final Topics TOPICS = Topics.create("tx.", 1);
  private static final TopicPartition COMMANDS = new TopicPartition(TOPICS.refreshCommands.name(), 0);

  private final ExecutorService calls = Executors.newFixedThreadPool(2);
  private Thread poll;
  private WorkerStatus status;

  @AfterEach
  void stop() throws InterruptedException {
    if (status != null) {
      status.requestStop(Duration.ofSeconds(1));
    }
    if (poll != null) {
      poll.join(10_000);
    }
    calls.shutdownNow();
  }

  /** A transactional mock producer whose commit throws {@code failure} the first {@code times} calls. */
  private static final class FailingCommits extends MockProducer<byte[], byte[]> {
    final AtomicInteger commitCalls = new AtomicInteger();
    final AtomicInteger abortCalls = new AtomicInteger();
    private final RuntimeException failure;
    private final int times;

    FailingCommits(RuntimeException failure, int times) {
      super(true, null, new ByteArraySerializer(), new ByteArraySerializer());
      this.failure = failure;
      this.times = times;
    }

    @Override
    public void commitTransaction() {
      if (commitCalls.incrementAndGet() <= times) {
        throw failure;
      }
      super.commitTransaction();
    }

    @Override
    public void abortTransaction() {
      abortCalls.incrementAndGet();
      super.abortTransaction();
    }
  }

  /** Starts a worker on one command of a provider nobody configured: it answers at once, RefreshFailed. */
  private void start(MockProducer<byte[], byte[]> producer) {
    MockConsumer<String, byte[]> consumer = new MockConsumer<>("earliest");
    RefreshCommand command = Commands.command(SEALER, "tx-1", "nowhere", "at", "rt", 1, 1);
    byte[] value = TOPICS.refreshCommands.valueSerde().serializer().serialize(COMMANDS.topic(), command);
    consumer.schedulePollTask(() -> {
      consumer.updateBeginningOffsets(Map.of(COMMANDS, 0L));
      consumer.updateEndOffsets(Map.of(COMMANDS, 1L));
      consumer.rebalance(List.of(COMMANDS));
      consumer.addRecord(new ConsumerRecord<>(COMMANDS.topic(), 0, 0, "tx-1", value));
    });
    WorkerConfig config = WorkerConfig.of(Map.of("TOKENWARDEN_WORKER_TRANSACTIONAL_ID", "tx-test"));
    WorkerMetrics metrics = new WorkerMetrics(new SimpleMeterRegistry());
    RefreshHandler handler = new RefreshHandler(new ProviderClients(Env.of(Map.of()), Clock.systemUTC(), metrics,
        Map.of()), SEALER, metrics, Clock.systemUTC());
    status = new WorkerStatus();
    poll = new Thread(new RefreshWorker(consumer, producer, TOPICS, handler, calls, config, metrics,
        RefreshWorker.CommitHook.NONE, status), "tx-test-poll");
    poll.start();
  }

  @Test
  void aTimedOutCommitIsRetriedNotAbortedAndTheAnswerIsCommittedOnce() {
    FailingCommits producer = new FailingCommits(new TimeoutException("injected: commit timed out"), 2);
    start(producer);

    await().atMost(Duration.ofSeconds(30)).until(producer::transactionCommitted);
    assertThat(producer.commitCalls.get()).as("commit calls: two timed out, the third went through").isEqualTo(3);
    assertThat(producer.abortCalls.get()).as("aborts after a timed-out commit").isZero();
    List<ProducerRecord<byte[], byte[]>> answers = producer.history().stream()
        .filter(r -> r.topic().equals(TOPICS.lifecycle.name())).toList();
    assertThat(answers).hasSize(1);
    TokenLifecycleEvent answer = TOPICS.lifecycle.valueSerde().deserializer()
        .deserialize(TOPICS.lifecycle.name(), answers.get(0).value());
    assertThat(answer.getConnectionId()).isEqualTo("tx-1");
    assertThat(answer.getPayload()).isInstanceOf(RefreshFailed.class);
    assertThat(producer.consumerGroupOffsetsHistory()).as("the command's offset, committed with its answer")
        .anySatisfy(byGroup -> assertThat(byGroup.values()).anySatisfy(offsets ->
            assertThat(offsets.get(COMMANDS)).extracting(OffsetAndMetadata::offset).isEqualTo(1L)));
    assertThat(status.failure()).isEmpty();
  }

  @Test
  void aFencedProducerStopsTheWorkerWithTheErrorAndCommitsNothing() throws InterruptedException {
    FailingCommits producer = new FailingCommits(new ProducerFencedException("injected: another worker took over"),
        Integer.MAX_VALUE);
    start(producer);

    await().atMost(Duration.ofSeconds(30)).until(status::isTerminated);
    poll.join(10_000);
    assertThat(poll.isAlive()).isFalse();
    assertThat(status.failure()).get().isInstanceOf(ProducerFencedException.class);
    assertThat(producer.commitCalls.get()).as("a fenced producer is not retried").isEqualTo(1);
    assertThat(producer.transactionCommitted()).isFalse();
    assertThat(producer.consumerGroupOffsetsHistory()).isEmpty();
  }
}
