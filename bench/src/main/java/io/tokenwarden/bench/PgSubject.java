package io.tokenwarden.bench;

import java.io.StringReader;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntToLongFunction;
import io.tokenwarden.contracts.Topics;
import io.tokenwarden.schema.ExpiryKind;
import io.tokenwarden.schema.TokenExpiryEvent;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.postgresql.PGConnection;

/**
 * The scheduler a team without Kafka Streams writes: a table of connections with a partial index on the due
 * time of pending rows, polled by one or more pollers with {@code FOR UPDATE SKIP LOCKED} batches of
 * {@value #BATCH}, each committed with {@code synchronous_commit=on}. A poller loops at once while batches come
 * back full and otherwise sleeps its interval.
 *
 * <p>With {@link #publishTo} the poller also does what the expiry stream does per fired timer: it publishes an
 * expiry event to Kafka, as a team would, at least once: the batch's rows stay locked while its events are sent
 * with an idempotent {@code acks=all} producer, and the transaction commits once the broker has acknowledged
 * them all; a crash before the commit publishes the batch again. Without it, firing only marks the row (the
 * {@code UPDATE}-only figure).
 */
final class PgSubject implements TimerSubject {

  static final int BATCH = 5000;
  static final String POLL = "WITH due AS (SELECT id FROM connections WHERE state = 'pending' AND due_at <= now()"
      + " ORDER BY due_at LIMIT " + BATCH + " FOR UPDATE SKIP LOCKED)"
      + " UPDATE connections c SET state = 'fired', fired_at = now() FROM due WHERE c.id = due.id"
      + " RETURNING c.id, c.due_at";

  private final String url;
  private final Connection loader;
  private final FiredLog fired = new FiredLog();
  private final Map<String, AtomicLong> costNanos = new ConcurrentHashMap<>();
  private final AtomicLong tracked = new AtomicLong();
  private final List<Thread> pollers = new ArrayList<>();
  private volatile boolean polling;
  private volatile Throwable pollerError;
  private String name = "pg-poll";
  private volatile KafkaProducer<String, TokenExpiryEvent> producer;
  private volatile String expiryTopic;

  PgSubject(String url) throws SQLException {
    this.url = url;
    this.loader = DriverManager.getConnection(url);
    try (Statement s = loader.createStatement()) {
      s.execute("DROP TABLE IF EXISTS connections");
      s.execute("CREATE TABLE connections (id text PRIMARY KEY, state text NOT NULL, due_at timestamptz NOT NULL,"
          + " fired_at timestamptz)");
      s.execute("CREATE INDEX connections_pending_due ON connections (due_at) WHERE state = 'pending'");
    }
  }

  /** Replaces the running pollers with {@code count} pollers sleeping {@code interval} between short batches. */
  void pollers(int count, Duration interval) throws InterruptedException {
    stopPollers();
    name = "pg-poll " + (interval.toMillis() >= 1000 ? interval.toSeconds() + "s" : interval.toMillis() + "ms")
        + " x" + count + (producer != null ? " publishing" : " UPDATE only");
    polling = true;
    for (int i = 0; i < count; i++) {
      Thread t = new Thread(() -> poll(interval), "bench-pg-poller-" + i);
      t.setDaemon(true);
      t.start();
      pollers.add(t);
    }
  }

  /**
   * Publishes each fired row as an expiry event to {@code topics.expiry} from now on; null producer settings turn
   * publishing off. Takes effect with the next {@link #pollers} call.
   */
  void publishTo(Topics topics, String bootstrap) {
    if (producer != null) {
      producer.close(Duration.ofSeconds(10));
      producer = null;
    }
    if (topics != null) {
      expiryTopic = topics.expiry.name();
      producer = new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
          ProducerConfig.ACKS_CONFIG, "all", ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true",
          ProducerConfig.LINGER_MS_CONFIG, "5", ProducerConfig.BATCH_SIZE_CONFIG, "131072"),
          new StringSerializer(), topics.expiry.valueSerde().serializer());
    }
  }

  private void poll(Duration interval) {
    KafkaProducer<String, TokenExpiryEvent> publisher = producer;
    try (Connection c = DriverManager.getConnection(url); PreparedStatement ps = c.prepareStatement(POLL)) {
      c.setAutoCommit(publisher == null);
      try (Statement s = c.createStatement()) {
        s.execute("SET synchronous_commit = on");
      }
      while (polling) {
        long started = System.nanoTime();
        List<String> ids = new ArrayList<>();
        List<Long> dues = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            ids.add(rs.getString(1));
            dues.add(rs.getTimestamp(2).getTime());
          }
        }
        if (publisher != null) {
          publish(publisher, ids, dues);
          c.commit();
        }
        long took = System.nanoTime() - started;
        long now = System.currentTimeMillis();
        for (int i = 0; i < ids.size(); i++) {
          String batch = batchOf(ids.get(i));
          fired.add(batch, new Fired(dues.get(i), now, now));
          costNanos.computeIfAbsent(batch, b -> new AtomicLong()).addAndGet(took / ids.size());
        }
        if (ids.size() < BATCH) {
          Thread.sleep(interval.toMillis());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable e) {
      pollerError = e;
    }
  }

  private void publish(KafkaProducer<String, TokenExpiryEvent> publisher, List<String> ids, List<Long> dues)
      throws Exception {
    long now = System.currentTimeMillis();
    List<Future<RecordMetadata>> sent = new ArrayList<>(ids.size());
    for (int i = 0; i < ids.size(); i++) {
      String id = ids.get(i);
      TokenExpiryEvent e = TokenExpiryEvent.newBuilder().setEventId(id + ":1:EXPIRING").setConnectionId(id)
          .setProvider(StreamSubject.PROVIDER).setAccountId("acct-" + id.substring(id.indexOf('-') + 1))
          .setKind(ExpiryKind.EXPIRING).setExpiresAt(Instant.ofEpochMilli(dues.get(i)))
          .setEmittedAt(Instant.ofEpochMilli(now)).setGeneration(1L).build();
      sent.add(publisher.send(new ProducerRecord<>(expiryTopic, id, e)));
    }
    publisher.flush();
    for (Future<RecordMetadata> f : sent) {
      f.get();
    }
  }

  void stopPollers() throws InterruptedException {
    polling = false;
    for (Thread t : pollers) {
      t.join(30_000);
    }
    pollers.clear();
  }

  private static String batchOf(String id) {
    int dash = id.indexOf('-');
    return dash < 0 ? id : id.substring(0, dash);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void issue(String batch, int from, int to, IntToLongFunction dueAt) throws Exception {
    long farFuture = System.currentTimeMillis() + Duration.ofDays(3000).toMillis();
    StringBuilder rows = new StringBuilder();
    for (int i = from; i < to; i++) {
      long due = dueAt.applyAsLong(i);
      rows.append(batch).append('-').append(i).append("\tpending\t")
          .append(Instant.ofEpochMilli(due == TRACKED ? farFuture : due)).append('\n');
      if (rows.length() > 4_000_000) {
        copy(rows);
      }
    }
    copy(rows);
    tracked.addAndGet(to - from);
  }

  private void copy(StringBuilder rows) throws Exception {
    if (rows.length() > 0) {
      loader.unwrap(PGConnection.class).getCopyAPI()
          .copyIn("COPY connections (id, state, due_at) FROM STDIN", new StringReader(rows.toString()));
      rows.setLength(0);
    }
  }

  /** Makes the planner's statistics current after a bulk load, as a team would with autovacuum. */
  void analyze() throws SQLException {
    try (Statement s = loader.createStatement()) {
      s.execute("VACUUM ANALYZE connections");
    }
  }

  String serverVersion() throws SQLException {
    return loader.getMetaData().getDatabaseProductVersion();
  }

  @Override
  public long awaitIngested(String batch, int count, Duration timeout) {
    return System.currentTimeMillis();
  }

  @Override
  public List<Fired> awaitFired(String batch, int count, Duration timeout) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    while (size(batch) < count && System.currentTimeMillis() < deadline) {
      if (pollerError != null) {
        throw new IllegalStateException("a poller failed: " + pollerError, pollerError);
      }
      Thread.sleep(10);
    }
    return fired.snapshot(batch);
  }

  private int size(String batch) {
    return fired.count(batch);
  }

  /** Time the poll statements spent per row of {@code batch}, in microseconds. */
  double statementMicrosPerRow(String batch) {
    AtomicLong cost = costNanos.get(batch);
    int rows = size(batch);
    return cost == null || rows == 0 ? 0 : cost.get() / 1000.0 / rows;
  }

  @Override
  public long tracked() {
    return tracked.get();
  }

  @Override
  public void close() {
    try {
      stopPollers();
      publishTo(null, null);
      loader.close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (SQLException e) {
      // Closing anyway.
    }
  }
}
