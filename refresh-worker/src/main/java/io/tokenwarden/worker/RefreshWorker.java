package io.tokenwarden.worker;

import io.tokenwarden.contracts.DeadLetters;
import io.tokenwarden.contracts.SchemaRegistryUnavailableException;

import io.tokenwarden.contracts.Topics;
import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.TokenLifecycleEvent;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poll loop. One thread owns the consumer and the transactional producer; provider calls run on a pool of
 * {@code concurrency} threads and hand their results back through a queue.
 *
 * <ul>
 *   <li>Commands of one connection run one after another, in offset order; different connections run at once.
 *   <li>A result is published only together with the offsets of every record up to and including its own, in one
 *       transaction ({@code sendOffsetsToTransaction}). A crash before the commit re-runs the commands instead
 *       of losing or duplicating a result.
 *   <li>When too many commands are held, fetching pauses; {@code poll} keeps being called, so the consumer never
 *       exceeds {@code max.poll.interval.ms}.
 * </ul>
 */
final class RefreshWorker implements Runnable {

  private static final Logger log = LoggerFactory.getLogger(RefreshWorker.class);

  /** Most time between transactions while results are waiting. */
  static final Duration COMMIT_INTERVAL = Duration.ofMillis(100);
  /** How long a partition waits before it tries a record again that needed an unreachable schema registry. */
  static final Duration REGISTRY_RETRY = Duration.ofSeconds(2);

  /** Test seam: called after a transaction's records and offsets were sent, right before its commit. */
  interface CommitHook {
    void beforeCommit(int results);

    CommitHook NONE = results -> { };
  }

  /** One consumed record and what became of it. */
  private static final class Slot {
    final TopicPartition partition;
    final long offset;
    final RefreshCommand command;
    final boolean possiblyDeliveredBefore;
    /** The consumed record, for the dead-letter topic. */
    final ConsumerRecord<String, byte[]> record;
    volatile RefreshHandler.Handled result;
    /** Why the record goes to the dead-letter topic, if it does. */
    volatile String deadLetterReason;
    volatile Exception deadLetterCause;
    boolean done;
    boolean running;
    boolean abandoned;

    Slot(TopicPartition partition, ConsumerRecord<String, byte[]> record, RefreshCommand command,
        boolean possiblyDeliveredBefore) {
      this.record = record;
      this.partition = partition;
      this.offset = record.offset();
      this.command = command;
      this.possiblyDeliveredBefore = possiblyDeliveredBefore;
    }
  }

  /** Held records of one assigned partition, by offset, and where earlier owners may have got to. */
  private static final class PartitionState {
    final TreeMap<Long, Slot> slots = new TreeMap<>();
    final long horizon;

    PartitionState(long horizon) {
      this.horizon = horizon;
    }
  }

  private final Consumer<String, byte[]> consumer;
  private final Producer<byte[], byte[]> producer;
  private final Topics topics;
  private final RefreshHandler handler;
  private final ExecutorService calls;
  private final WorkerConfig config;
  private final WorkerMetrics metrics;
  private final CommitHook hook;
  private final WorkerStatus status;

  private final Map<TopicPartition, PartitionState> partitions = new HashMap<>();
  private final Map<String, ArrayDeque<Slot>> waiting = new HashMap<>();
  private final Set<String> activeConnections = new HashSet<>();
  private final ArrayDeque<Slot> ready = new ArrayDeque<>();
  private final LinkedBlockingQueue<Slot> completed = new LinkedBlockingQueue<>();
  /** Partitions paused at a record that needs the unreachable registry, with when to try again (nanoTime). */
  private final Map<TopicPartition, Long> waitingForRegistry = new HashMap<>();
  private int running;
  private long lastFlush = System.nanoTime();
  private boolean paused;
  private boolean closing;

  RefreshWorker(Consumer<String, byte[]> consumer, Producer<byte[], byte[]> producer, Topics topics,
      RefreshHandler handler, ExecutorService calls, WorkerConfig config, WorkerMetrics metrics, CommitHook hook,
      WorkerStatus status) {
    this.consumer = consumer;
    this.producer = producer;
    this.topics = topics;
    this.handler = handler;
    this.calls = calls;
    this.config = config;
    this.metrics = metrics;
    this.hook = hook;
    this.status = status;
  }

  @Override
  public void run() {
    try {
      producer.initTransactions();
      consumer.subscribe(List.of(topics.refreshCommands.name()), new Rebalance());
      while (!status.stopRequested()) {
        ConsumerRecords<String, byte[]> records =
            consumer.poll(running > 0 || !ready.isEmpty() ? Duration.ofMillis(5) : Duration.ofMillis(100));
        status.loopAt(System.nanoTime());
        records.forEach(this::accept);
        retryWaitingForRegistry();
        drainCompleted();
        dispatch();
        if (System.nanoTime() - lastFlush >= COMMIT_INTERVAL.toNanos()) {
          // Batches results into fewer transactions; dispatching keeps going in between.
          flush();
          lastFlush = System.nanoTime();
        }
        backpressure();
      }
      stopGracefully();
    } catch (Throwable t) {
      status.failed(t);
      log.error("refresh worker stopped by an unexpected error; uncommitted commands will be re-delivered: {}",
          t.toString(), t);
      crash();
    } finally {
      calls.shutdownNow();
      status.assignment(Set.of());
      status.terminated();
    }
  }

  private void accept(ConsumerRecord<String, byte[]> record) {
    TopicPartition tp = new TopicPartition(record.topic(), record.partition());
    if (waitingForRegistry.containsKey(tp)) {
      // Behind a record that waits for the registry; fetched again after the seek back.
      return;
    }
    PartitionState state = partitions.computeIfAbsent(tp, p -> new PartitionState(Long.MAX_VALUE));
    RefreshCommand command = null;
    Exception undecodable = null;
    if (record.value() != null) {
      try {
        command = topics.refreshCommands.valueSerde().deserializer().deserialize(record.topic(), record.value());
      } catch (SerializationException e) {
        undecodable = e;
      } catch (SchemaRegistryUnavailableException e) {
        waitForRegistry(tp, record.offset(), e);
        return;
      }
    }
    Slot slot = new Slot(tp, record, command, record.offset() < state.horizon);
    state.slots.put(record.offset(), slot);
    if (command == null) {
      if (undecodable != null) {
        metrics.undecodable();
        log.error("undecodable command at {}-{} offset {} goes to the dead-letter topic: {}", record.topic(),
            record.partition(), record.offset(), undecodable.getMessage());
        slot.deadLetterReason = DeadLetters.UNDECODABLE;
        slot.deadLetterCause = undecodable;
      }
      slot.done = true;
      return;
    }
    String connection = command.getConnectionId();
    if (activeConnections.add(connection)) {
      ready.add(slot);
    } else {
      waiting.computeIfAbsent(connection, c -> new ArrayDeque<>()).add(slot);
    }
  }

  /**
   * The record is fine but its schema cannot be fetched: hold the partition at it (seek back, pause) and try again
   * after {@link #REGISTRY_RETRY}, so nothing behind it is handled out of order or committed past it.
   */
  private void waitForRegistry(TopicPartition tp, long offset, SchemaRegistryUnavailableException e) {
    log.warn("command at {}-{} offset {} waits for the schema registry; the partition is paused: {}", tp.topic(),
        tp.partition(), offset, e.getMessage());
    waitingForRegistry.put(tp, System.nanoTime() + REGISTRY_RETRY.toNanos());
    consumer.seek(tp, offset);
    consumer.pause(List.of(tp));
  }

  private void retryWaitingForRegistry() {
    if (waitingForRegistry.isEmpty()) {
      return;
    }
    long now = System.nanoTime();
    List<TopicPartition> due = new ArrayList<>();
    waitingForRegistry.forEach((tp, at) -> {
      if (at - now <= 0) {
        due.add(tp);
      }
    });
    due.forEach(waitingForRegistry::remove);
    if (!paused) {
      consumer.resume(due);
    }
  }

  private void dispatch() {
    while (running < config.concurrency() && !ready.isEmpty()) {
      Slot slot = ready.poll();
      slot.running = true;
      running++;
      metrics.inFlight().incrementAndGet();
      calls.execute(() -> {
        try {
          slot.result = handler.handle(slot.command, slot.possiblyDeliveredBefore);
        } catch (Throwable t) {
          log.error("handling command {} failed unexpectedly; it goes to the dead-letter topic: {}",
              slot.command.getCommandId(), t.toString(), t);
          slot.deadLetterReason = "handler_error";
          slot.deadLetterCause = t instanceof Exception e ? e : new RuntimeException(t.toString());
        } finally {
          completed.add(slot);
        }
      });
    }
  }

  /** Takes finished calls back; waits up to {@code wait} for the first one. */
  private void drainCompleted(Duration wait) throws InterruptedException {
    Slot first = wait.isZero() ? completed.poll() : completed.poll(wait.toNanos(), TimeUnit.NANOSECONDS);
    for (Slot slot = first; slot != null; slot = completed.poll()) {
      running--;
      metrics.inFlight().decrementAndGet();
      slot.running = false;
      if (slot.abandoned) {
        continue;
      }
      slot.done = true;
      String connection = slot.command.getConnectionId();
      ArrayDeque<Slot> queue = waiting.get(connection);
      Slot next = queue == null ? null : queue.poll();
      if (next != null) {
        ready.add(next);
      } else {
        waiting.remove(connection);
        activeConnections.remove(connection);
      }
    }
  }

  private void drainCompleted() throws InterruptedException {
    drainCompleted(Duration.ZERO);
  }

  /**
   * Publishes the results of every partition's leading run of finished records, with their offsets, in one
   * transaction. Results behind an unfinished record wait, so every published result has its offset committed.
   */
  private void flush() {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    List<Slot> flushed = new ArrayList<>();
    for (var e : partitions.entrySet()) {
      long next = -1;
      for (Slot slot : e.getValue().slots.values()) {
        if (!slot.done) {
          break;
        }
        flushed.add(slot);
        next = slot.offset + 1;
      }
      if (next >= 0) {
        offsets.put(e.getKey(), new OffsetAndMetadata(next));
      }
    }
    if (offsets.isEmpty()) {
      return;
    }
    int results = 0;
    try {
      producer.beginTransaction();
      for (Slot slot : flushed) {
        if (slot.result != null) {
          TokenLifecycleEvent event = slot.result.event();
          String topic = topics.lifecycle.name();
          producer.send(new ProducerRecord<>(topic,
              topics.lifecycle.keySerde().serializer().serialize(topic, event.getConnectionId()),
              topics.lifecycle.valueSerde().serializer().serialize(topic, event)));
          results++;
        } else if (slot.deadLetterReason != null) {
          sendToDeadLetters(slot);
        }
      }
      producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
      hook.beforeCommit(results);
      producer.commitTransaction();
    } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException
        | UnsupportedVersionException e) {
      throw e;
    } catch (KafkaException e) {
      log.warn("transaction of {} results aborted, will retry: {}", results, e.toString());
      producer.abortTransaction();
      return;
    }
    for (Slot slot : flushed) {
      partitions.get(slot.partition).slots.remove(slot.offset);
    }
  }

  /** The original bytes, with the reason and source position in headers; nothing is lost. */
  private void sendToDeadLetters(Slot slot) {
    ConsumerRecord<String, byte[]> r = slot.record;
    String detail = slot.deadLetterReason.equals(DeadLetters.UNDECODABLE)
        ? "the refresh worker could not decode this command"
        : "the refresh worker failed to handle this command";
    var headers = DeadLetters.headers(slot.deadLetterReason, detail, r.topic(), r.partition(), r.offset(),
        slot.deadLetterCause);
    byte[] key = r.key() == null ? null : topics.refreshCommands.keySerde().serializer().serialize(r.topic(), r.key());
    producer.send(new ProducerRecord<>(topics.lifecycleDlq.name(), null, key, r.value(), headers));
    metrics.deadLetter(slot.deadLetterReason);
  }

  private int held() {
    int held = 0;
    for (PartitionState state : partitions.values()) {
      held += state.slots.size();
    }
    return held;
  }

  private void backpressure() {
    int held = held();
    if (!paused && held >= config.maxBuffered()) {
      paused = true;
      log.debug("{} commands held; pausing fetches", held);
    } else if (paused && held <= config.maxBuffered() / 2) {
      paused = false;
      List<TopicPartition> resumable = new ArrayList<>(consumer.paused());
      resumable.removeAll(waitingForRegistry.keySet());
      consumer.resume(resumable);
    }
    if (paused) {
      consumer.pause(consumer.assignment());
    }
  }

  /** Stops fetching, finishes or abandons in-flight calls within the shutdown timeout, commits what completed. */
  private void stopGracefully() throws InterruptedException {
    Duration timeout = status.stopTimeout();
    long deadline = System.nanoTime() + timeout.toNanos() * 3 / 4;
    log.info("stopping the refresh worker: {} calls in flight, {} commands held", running, held());
    consumer.pause(consumer.assignment());
    ready.clear();
    while (running > 0 && System.nanoTime() < deadline) {
      drainCompleted(Duration.ofMillis(50));
      status.loopAt(System.nanoTime());
    }
    flush();
    if (running > 0) {
      log.warn("abandoning {} calls still in flight; their commands will be re-delivered", running);
    }
    closing = true;
    Duration left = Duration.ofNanos(Math.max(deadline + timeout.toNanos() / 4 - System.nanoTime(),
        Duration.ofSeconds(1).toNanos()));
    calls.shutdownNow();
    consumer.close(left);
    producer.close(left);
    log.info("refresh worker stopped");
  }

  /** Closes without committing anything, as a killed process would. */
  private void crash() {
    closing = true;
    calls.shutdownNow();
    try {
      producer.close(Duration.ZERO);
    } catch (RuntimeException e) {
      log.debug("closing the producer after a failure: {}", e.toString());
    }
    try {
      consumer.close(Duration.ZERO);
    } catch (RuntimeException e) {
      log.debug("closing the consumer after a failure: {}", e.toString());
    }
  }

  /** Drops everything held for {@code lost}; in-flight calls for them are ignored when they return. */
  private void forget(Collection<TopicPartition> lost) {
    for (TopicPartition tp : lost) {
      waitingForRegistry.remove(tp);
      PartitionState state = partitions.remove(tp);
      if (state == null) {
        continue;
      }
      for (Slot slot : state.slots.values()) {
        if (slot.running) {
          slot.abandoned = true;
        }
        if (slot.command != null) {
          waiting.remove(slot.command.getConnectionId());
          activeConnections.remove(slot.command.getConnectionId());
        }
      }
      ready.removeIf(slot -> slot.partition.equals(tp));
    }
  }

  private final class Rebalance implements ConsumerRebalanceListener {
    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> assigned) {
      if (!assigned.isEmpty()) {
        // Records below the end offset at assignment may have reached an earlier owner that died before
        // committing; records appended later cannot have.
        Map<TopicPartition, Long> ends = consumer.endOffsets(assigned);
        for (TopicPartition tp : assigned) {
          partitions.put(tp, new PartitionState(ends.getOrDefault(tp, Long.MAX_VALUE)));
        }
        log.info("assigned {}", assigned);
      }
      status.assignment(consumer.assignment());
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> revoked) {
      if (revoked.isEmpty()) {
        return;
      }
      if (!closing) {
        // Let calls for these partitions finish so that their answers are committed, not lost: a rotating
        // refresh token has been used up by now.
        long deadline = System.nanoTime() + config.shutdownTimeout().toNanos();
        try {
          while (runningIn(revoked) && System.nanoTime() < deadline) {
            drainCompleted(Duration.ofMillis(50));
            status.loopAt(System.nanoTime());
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        flush();
      }
      forget(revoked);
      status.assignment(consumer.assignment());
      log.info("revoked {}", revoked);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> lost) {
      forget(lost);
      status.assignment(Set.of());
      log.warn("lost {}; their uncommitted commands go to the new owner", lost);
    }

    private boolean runningIn(Collection<TopicPartition> revoked) {
      for (TopicPartition tp : revoked) {
        PartitionState state = partitions.get(tp);
        if (state == null) {
          continue;
        }
        for (Iterator<Slot> it = state.slots.values().iterator(); it.hasNext();) {
          if (it.next().running) {
            return true;
          }
        }
      }
      return false;
    }
  }
}
