package io.tokenwarden.worker;

import io.tokenwarden.contracts.DeadLetters;
import io.tokenwarden.contracts.SchemaRegistryUnavailableException;
import io.tokenwarden.contracts.Topics;
import io.tokenwarden.schema.RefreshCommand;
import io.tokenwarden.schema.TokenLifecycleEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The poll loop. One thread owns the consumer and the transactional producer; provider calls run on a pool of
 * {@code concurrency} threads and hand their results back through a queue.
 *
 * <ul>
 *   <li>Commands of one connection run one after another, in offset order; different connections run at once.
 *   <li>Every finished command is published in the next transaction (at most {@link #COMMIT_INTERVAL} later),
 *       whatever earlier command is still running: a rotated refresh token must not wait behind a slow call.
 *   <li>The same transaction commits each partition's offset up to its first unfinished command, with the
 *       offsets answered beyond it in the commit's metadata ({@link AnsweredOffsets}). The next owner of the
 *       partition skips those, so a crash replays only the commands that had no published answer.
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

  /** A record to publish for a command, and what it is. */
  private record Out(ProducerRecord<byte[], byte[]> record, boolean answer, boolean fallback) {}

  /** One consumed record and what became of it. */
  private static final class Slot {
    final TopicPartition partition;
    final long offset;
    /** Null for a record that could not be decoded or had no value. */
    final RefreshCommand command;
    final boolean possiblyDeliveredBefore;
    /** The consumed record, for the dead-letter topic. */
    final ConsumerRecord<String, byte[]> record;
    volatile RefreshHandler.Handled result;
    /** What the handler threw instead of a result. */
    volatile Throwable failure;
    /** Why a record without a command goes to the dead-letter topic. */
    String deadLetterReason;
    Exception deadLetterCause;
    /** The records that answer this command, built once before its first transaction. */
    List<Out> outbox;
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

  /** One assigned partition: its unpublished records, what was answered above the committed offset, progress. */
  private static final class PartitionState {
    /** Consumed records whose answer is not committed yet, by offset. */
    final TreeMap<Long, Slot> pending = new TreeMap<>();
    /** Offsets above {@link #committed} whose answer is committed (or was, by an earlier owner). */
    NavigableSet<Long> answered = new TreeSet<>();
    /** Records below this offset may have reached an earlier owner that died before committing. */
    final long horizon;
    /** The next offset to consume; -1 until known. */
    long position = -1;
    /** The committed offset and its metadata; -1 while nothing is committed. */
    long committed = -1;
    String metadata = "";
    /** When the committed offset last moved, or pending commands appeared (nanoTime). */
    long progressAt;
    /** Fetching stopped at this offset until the first unfinished command is done; -1 when not. */
    long blockedAt = -1;

    PartitionState(long horizon, long now) {
      this.horizon = horizon;
      this.progressAt = now;
    }

    /** The lowest offset that is not answered yet: the one to commit. */
    long base() {
      return pending.isEmpty() ? position : pending.firstKey();
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
        reportProgress();
      }
      stopGracefully();
    } catch (Throwable t) {
      status.failed(t);
      log.error("refresh worker stopped by an unexpected error; commands without a committed answer will be"
          + " re-delivered: {}", t.toString(), t);
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
    long now = System.nanoTime();
    PartitionState state = partitions.computeIfAbsent(tp, p -> new PartitionState(Long.MAX_VALUE, now));
    long offset = record.offset();
    if (state.blockedAt >= 0 || (state.position >= 0 && offset < state.position)) {
      // Fetched again after the seek back, or already seen.
      return;
    }
    if (state.answered.contains(offset)) {
      // An earlier owner published this command's answer: calling again would spend a used refresh token.
      state.position = offset + 1;
      metrics.skipped();
      return;
    }
    long base = state.base() < 0 ? offset : state.base();
    if (offset - base > AnsweredOffsets.MAX_SPAN) {
      // The commit metadata could not list answers this far above the first unanswered command.
      log.info("{}: offset {} is {} above the first unanswered command {}; fetching waits for it", tp, offset,
          offset - base, base);
      state.blockedAt = offset;
      consumer.seek(tp, offset);
      return;
    }
    RefreshCommand command = null;
    Exception undecodable = null;
    if (record.value() != null) {
      try {
        command = topics.refreshCommands.valueSerde().deserializer().deserialize(record.topic(), record.value());
      } catch (SchemaRegistryUnavailableException e) {
        waitForRegistry(tp, offset, e);
        return;
      } catch (RuntimeException e) {
        undecodable = e;
      }
    }
    state.position = offset + 1;
    Slot slot = new Slot(tp, record, command, offset < state.horizon);
    if (state.pending.isEmpty()) {
      state.progressAt = now;
    }
    state.pending.put(offset, slot);
    if (command == null) {
      if (undecodable != null) {
        metrics.undecodable();
        log.error("undecodable command at {}-{} offset {} goes to the dead-letter topic: {}", record.topic(),
            record.partition(), offset, undecodable.getMessage());
        slot.deadLetterReason = DeadLetters.UNDECODABLE;
        slot.deadLetterCause = undecodable;
      } else {
        log.error("command without a value at {}-{} offset {} goes to the dead-letter topic", record.topic(),
            record.partition(), offset);
        slot.deadLetterReason = DeadLetters.NULL_VALUE;
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
    waitingForRegistry.values().removeIf(at -> at - now <= 0);
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
          log.error("handling command {} failed unexpectedly; it is answered TRANSIENT and goes to the"
              + " dead-letter topic: {}", slot.command.getCommandId(), t.toString(), t);
          slot.failure = t;
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

  /** A partition's offset commit in the transaction being built. */
  private record Commit(PartitionState state, long offset, NavigableSet<Long> answered, String metadata) {}

  /**
   * Publishes every finished command's answer, in every partition, in one transaction, with each partition's
   * offset up to its first unfinished command and the answered offsets beyond it in the metadata.
   */
  private void flush() {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    List<Commit> commits = new ArrayList<>();
    List<Slot> sending = new ArrayList<>();
    for (var e : partitions.entrySet()) {
      PartitionState state = e.getValue();
      long commitAt = -1;
      NavigableSet<Long> answered = new TreeSet<>(state.answered);
      for (Slot slot : state.pending.values()) {
        if (slot.done && prepare(slot)) {
          sending.add(slot);
          answered.add(slot.offset);
        } else if (commitAt < 0) {
          commitAt = slot.offset;
        }
      }
      if (commitAt < 0) {
        commitAt = state.position;
      }
      if (commitAt < 0) {
        continue;
      }
      String metadata = AnsweredOffsets.encode(commitAt, answered);
      if (commitAt != state.committed || !metadata.equals(state.metadata)) {
        offsets.put(e.getKey(), new OffsetAndMetadata(commitAt, metadata));
        commits.add(new Commit(state, commitAt, answered.tailSet(commitAt, false), metadata));
      }
    }
    if (offsets.isEmpty()) {
      return;
    }
    int results = 0;
    Map<Future<RecordMetadata>, Out> sent = new IdentityHashMap<>();
    Map<Out, Slot> owners = new IdentityHashMap<>();
    try {
      producer.beginTransaction();
      for (Slot slot : sending) {
        for (Out out : slot.outbox) {
          sent.put(producer.send(out.record()), out);
          owners.put(out, slot);
          results += out.answer() ? 1 : 0;
        }
      }
      producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
      hook.beforeCommit(results);
      commitTransaction();
    } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException
        | UnsupportedVersionException | FencedInstanceIdException e) {
      // Fatal for this producer (KafkaProducer's contract): the process exits non-zero and is restarted.
      throw e;
    } catch (KafkaException e) {
      log.warn("transaction of {} results aborted, will retry: {}", results, e.toString());
      abortTransaction();
      replaceUnsendable(sent, owners);
      return;
    }
    long now = System.nanoTime();
    for (Commit c : commits) {
      if (c.offset() != c.state().committed) {
        c.state().progressAt = now;
      }
      c.state().committed = c.offset();
      c.state().metadata = c.metadata();
      c.state().answered = new TreeSet<>(c.answered());
    }
    for (Slot slot : sending) {
      partitions.get(slot.partition).pending.remove(slot.offset);
      for (Out out : slot.outbox) {
        if (!out.answer()) {
          metrics.deadLetter(new String(out.record().headers().lastHeader(DeadLetters.REASON).value(),
              StandardCharsets.UTF_8));
        }
      }
    }
  }

  /** Retries after a timeout, as the producer requires: the outcome is unknown and an abort would throw. */
  private void commitTransaction() {
    retryOnTimeout("commitTransaction", producer::commitTransaction);
  }

  private void abortTransaction() {
    retryOnTimeout("abortTransaction", producer::abortTransaction);
  }

  /**
   * Calls {@code call} until it does not time out. A timed-out commit or abort must be retried with the same call
   * (KafkaProducer's contract); when stopping, one retry is enough before giving up.
   */
  private void retryOnTimeout(String name, Runnable call) {
    for (int attempt = 1; ; attempt++) {
      try {
        call.run();
        return;
      } catch (TimeoutException e) {
        if (status.stopRequested() && attempt > 1) {
          throw e;
        }
        log.warn("{} timed out (attempt {}); retrying it: {}", name, attempt, e.getMessage());
      }
    }
  }

  /**
   * Builds the records that answer {@code slot}, once. False while the answer cannot be encoded yet (the schema
   * registry is unreachable): the command then waits, unanswered.
   */
  private boolean prepare(Slot slot) {
    if (slot.outbox != null) {
      return true;
    }
    List<Out> out = new ArrayList<>();
    if (slot.command == null) {
      out.add(deadLetter(slot, slot.deadLetterReason, slot.deadLetterCause));
      slot.outbox = out;
      return true;
    }
    try {
      if (slot.result == null) {
        Exception cause = slot.failure instanceof Exception e ? e : new RuntimeException(String.valueOf(slot.failure));
        out.add(answer(handler.failed(slot.command, DeadLetters.HANDLER_ERROR,
            "the refresh worker failed to handle this command: " + cause.getClass().getSimpleName()), true));
        out.add(deadLetter(slot, DeadLetters.HANDLER_ERROR, cause));
      } else {
        out.add(answer(slot.result, false));
      }
    } catch (SchemaRegistryUnavailableException e) {
      log.warn("the answer to command {} waits for the schema registry: {}", slot.command.getCommandId(),
          e.getMessage());
      return false;
    } catch (RuntimeException e) {
      log.error("the answer to command {} could not be encoded; it is answered TRANSIENT and goes to the"
          + " dead-letter topic: {}", slot.command.getCommandId(), e.toString());
      out.clear();
      try {
        out.add(answer(handler.failed(slot.command, DeadLetters.HANDLER_ERROR,
            "the refresh worker could not encode its answer: " + e.getClass().getSimpleName()), true));
      } catch (SchemaRegistryUnavailableException unavailable) {
        return false;
      } catch (RuntimeException again) {
        log.error("not even a RefreshFailed could be encoded for command {}: {}", slot.command.getCommandId(),
            again.toString());
      }
      out.add(deadLetter(slot, DeadLetters.HANDLER_ERROR, e));
    }
    slot.outbox = out;
    return true;
  }

  private Out answer(RefreshHandler.Handled handled, boolean fallback) {
    TokenLifecycleEvent event = handled.event();
    String topic = topics.lifecycle.name();
    return new Out(new ProducerRecord<>(topic,
        topics.lifecycle.keySerde().serializer().serialize(topic, event.getConnectionId()),
        topics.lifecycle.valueSerde().serializer().serialize(topic, event)), true, fallback);
  }

  /** The original bytes, with the reason and source position in headers; nothing is lost. */
  private Out deadLetter(Slot slot, String reason, Exception cause) {
    ConsumerRecord<String, byte[]> r = slot.record;
    String detail = switch (reason) {
      case DeadLetters.UNDECODABLE -> "the refresh worker could not decode this command";
      case DeadLetters.NULL_VALUE -> "a refresh command without a value";
      case DeadLetters.TOO_LARGE -> "the answer to this command is too large to publish";
      default -> "the refresh worker failed to handle this command";
    };
    var headers = DeadLetters.headers(reason, detail, r.topic(), r.partition(), r.offset(), cause);
    byte[] key = r.key() == null ? null : topics.refreshCommands.keySerde().serializer().serialize(r.topic(), r.key());
    return new Out(new ProducerRecord<>(topics.lifecycleDlq.name(), null, key, r.value(), headers), false, false);
  }

  /**
   * After an aborted transaction: a record that the producer refused for good (too large, invalid) would fail
   * every retry and hold its partition for ever. Its command is answered TRANSIENT instead and the command goes
   * to the dead-letter topic; a dead letter or fallback answer that cannot be sent either is dropped, logged.
   */
  private void replaceUnsendable(Map<Future<RecordMetadata>, Out> sent, Map<Out, Slot> owners) {
    for (var e : sent.entrySet()) {
      Throwable error = failure(e.getKey());
      if (!(error instanceof RecordTooLargeException || error instanceof RecordBatchTooLargeException
          || error instanceof InvalidRecordException)) {
        continue;
      }
      Out out = e.getValue();
      Slot slot = owners.get(out);
      if (slot.outbox.stream().noneMatch(o -> o == out)) {
        continue;
      }
      if (out.answer() && !out.fallback()) {
        log.error("the answer to command {} can never be published ({}); it is answered TRANSIENT and goes to"
            + " the dead-letter topic", slot.command.getCommandId(), error.toString());
        List<Out> replacement = new ArrayList<>();
        replacement.add(answer(handler.failed(slot.command, DeadLetters.HANDLER_ERROR,
            "the answer was too large to publish"), true));
        replacement.add(deadLetter(slot, DeadLetters.TOO_LARGE, (Exception) error));
        slot.outbox = replacement;
      } else {
        log.error("a record for the command at {}-{} offset {} can never be published and is dropped: {}",
            slot.partition.topic(), slot.partition.partition(), slot.offset, error.toString());
        slot.outbox = slot.outbox.stream().filter(o -> o != out).toList();
      }
    }
  }

  private static Throwable failure(Future<RecordMetadata> future) {
    if (!future.isDone()) {
      return null;
    }
    try {
      future.get();
      return null;
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  private int held() {
    int held = 0;
    for (PartitionState state : partitions.values()) {
      held += state.pending.size();
    }
    return held;
  }

  /**
   * Pauses fetching: everywhere while too many commands are held, and per partition while it waits for the
   * registry or is {@link AnsweredOffsets#MAX_SPAN} ahead of its first unanswered command.
   */
  private void backpressure() {
    int held = held();
    if (!paused && held >= config.maxBuffered()) {
      paused = true;
      log.debug("{} commands held; pausing fetches", held);
    } else if (paused && held <= config.maxBuffered() / 2) {
      paused = false;
    }
    Set<TopicPartition> assigned = consumer.assignment();
    List<TopicPartition> pause = new ArrayList<>();
    List<TopicPartition> resume = new ArrayList<>();
    for (TopicPartition tp : assigned) {
      PartitionState state = partitions.get(tp);
      if (state != null && state.blockedAt >= 0 && state.blockedAt - state.base() <= AnsweredOffsets.MAX_SPAN / 2) {
        state.blockedAt = -1;
      }
      boolean hold = paused || waitingForRegistry.containsKey(tp) || (state != null && state.blockedAt >= 0);
      (hold ? pause : resume).add(tp);
    }
    consumer.pause(pause);
    Set<TopicPartition> pausedNow = consumer.paused();
    resume.removeIf(tp -> !pausedNow.contains(tp));
    if (!resume.isEmpty()) {
      consumer.resume(resume);
    }
  }

  /** Since when the worst partition with pending commands has not moved its committed offset. */
  private void reportProgress() {
    long oldest = Long.MAX_VALUE;
    for (PartitionState state : partitions.values()) {
      if (!state.pending.isEmpty() && state.progressAt - oldest < 0) {
        oldest = state.progressAt;
      }
    }
    status.stalledSince(oldest);
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
      for (Slot slot : state.pending.values()) {
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
        Map<TopicPartition, OffsetAndMetadata> committed = committed(new HashSet<>(assigned));
        long now = System.nanoTime();
        for (TopicPartition tp : assigned) {
          PartitionState state = new PartitionState(ends.getOrDefault(tp, Long.MAX_VALUE), now);
          OffsetAndMetadata c = committed.get(tp);
          if (c != null) {
            state.committed = c.offset();
            state.position = c.offset();
            state.metadata = c.metadata();
            state.answered = AnsweredOffsets.decode(c.offset(), c.metadata());
            if (!state.answered.isEmpty()) {
              log.info("{}: {} commands above the committed offset {} were answered before; they are skipped", tp,
                  state.answered.size(), c.offset());
            }
          }
          partitions.put(tp, state);
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

    /**
     * The committed offsets and their metadata. A read_committed consumer waits for offsets still pending in an
     * open transaction of an earlier owner (aborted when it restarts with its transactional id, or after
     * {@code transaction.timeout.ms}): keep waiting rather than fail, well within {@code max.poll.interval.ms}.
     */
    private Map<TopicPartition, OffsetAndMetadata> committed(Set<TopicPartition> assigned) {
      for (int attempt = 1; ; attempt++) {
        try {
          return consumer.committed(assigned, Duration.ofSeconds(30));
        } catch (TimeoutException e) {
          if (status.stopRequested() || attempt >= 8) {
            throw e;
          }
          log.warn("the committed offsets of {} are not readable yet (an earlier owner's transaction may still be"
              + " open); waiting: {}", assigned, e.getMessage());
        }
      }
    }

    private boolean runningIn(Collection<TopicPartition> revoked) {
      for (TopicPartition tp : revoked) {
        PartitionState state = partitions.get(tp);
        if (state != null && state.pending.values().stream().anyMatch(s -> s.running)) {
          return true;
        }
      }
      return false;
    }
  }
}
