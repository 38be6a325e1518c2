package io.tokenwarden.bench;

import io.tokenwarden.contracts.Topics;
import io.tokenwarden.gateway.GatewayConfig;
import io.tokenwarden.gateway.auth.TokenMinter;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.runtime.topics.TopicAdmin;
import io.tokenwarden.schema.ConnectionState;
import io.tokenwarden.schema.ConnectionStatus;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.Writer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The {@code gateway} scenario: the status gateway in a JVM of its own ({@link GatewayChild}), with its
 * defaults, over a {@code connections.status} of N statuses (100 per tenant), which the bench writes as the
 * stream would. It measures the time to ready (the whole topic read), then opens SSE clients spread over 100
 * tenants and changes statuses of those tenants at a fixed rate, measuring for every event the time from the
 * status record's produce (its {@code updatedAt}, set just before the send) to its arrival at a client, the
 * gateway's CPU and heap, and the most clients it held. Every change must reach every client of its tenant;
 * a missing event, a refused or dropped client is an error.
 *
 * <p>Self-contained: it needs only a broker and this class path.
 */
final class GatewayBench {

  /** The load of one scale. */
  record Load(int statuses, int perTenant, int watchedTenants, int clients, int rate, Duration duration) {

    static Load forScale(BenchParams p) {
      return switch (p.scale()) {
        case "10k" -> new Load(p.n(), 100, 10, 50, 200, Duration.ofSeconds(5));
        case "100k" -> new Load(p.n(), 100, 100, 1_000, 1_000, Duration.ofSeconds(30));
        default -> new Load(p.n(), 100, 100, 10_000, 1_000, Duration.ofSeconds(30));
      };
    }
  }

  private static final String SUBJECT = "tokenwarden gateway";
  private static final String SECRET = "bench-gateway-secret-" + UUID.randomUUID();
  private static final int MAX_LATENCY_MS = 60_000;

  private final String bootstrap;
  private final BenchParams p;
  private final Load load;
  private final PrintStream out;
  private final AtomicLongArray latencyMs = new AtomicLongArray(MAX_LATENCY_MS + 1);
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong expected = new AtomicLong();
  private final AtomicInteger connected = new AtomicInteger();
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger maxOpen = new AtomicInteger();
  private final AtomicInteger errors = new AtomicInteger();
  private final AtomicReference<String> firstError = new AtomicReference<>();

  private GatewayBench(String bootstrap, BenchParams p, PrintStream out) {
    this.bootstrap = bootstrap;
    this.p = p;
    this.load = Load.forScale(p);
    this.out = out;
  }

  static List<Result> run(String bootstrap, BenchParams p, PrintStream out) throws Exception {
    return new GatewayBench(bootstrap, p, out).run();
  }

  private List<Result> run() throws Exception {
    String prefix = "bench-gw-" + UUID.randomUUID().toString().substring(0, 8) + ".";
    Topics topics = Topics.create(prefix, p.partitions());
    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
      new TopicAdmin(admin, (short) -1).ensure(topics);
    }
    Path dataDir = Files.createTempDirectory("tokenwarden-bench-gateway");
    try (KafkaProducer<String, ConnectionStatus> producer = producer(topics)) {
      long t0 = System.currentTimeMillis();
      for (int i = 0; i < load.statuses(); i++) {
        ConnectionStatus s = status(i, i % 3 == 0 ? ConnectionState.EXPIRING : ConnectionState.CONNECTED);
        producer.send(new ProducerRecord<>(topics.status.name(), s.getConnectionId(), s));
      }
      producer.flush();
      out.printf("bench: gateway: %,d statuses written in %.1f s%n", load.statuses(),
          (System.currentTimeMillis() - t0) / 1000.0);

      Map<String, String> vars = Map.of(
          "KAFKA_BOOTSTRAP_SERVERS", bootstrap,
          "TOKENWARDEN_TOPIC_PREFIX", prefix,
          "TOKENWARDEN_PARTITIONS", Integer.toString(p.partitions()),
          "TOKENWARDEN_DATA_DIR", dataDir.toString(),
          "TOKENWARDEN_GATEWAY_JWT_SECRET", SECRET);
      Path settings = new ChildSettings(vars, Map.of()).write("bench gateway");
      Path log = Files.createTempFile("tokenwarden-bench-gateway", ".log");
      long started = System.currentTimeMillis();
      Process child = new ProcessBuilder(Bench.javaBin(), "-Xmx2g", "-cp", Bench.classpath(),
          GatewayChild.class.getName(), settings.toString()).redirectError(log.toFile()).start();
      try {
        BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
        Writer cmd = new OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8);
        String portLine = in.readLine();
        if (portLine == null || !portLine.startsWith("PORT ")) {
          throw new IllegalStateException("the gateway did not start: " + portLine + "; log " + log);
        }
        int port = Integer.parseInt(portLine.substring(5).trim());
        String ready = in.readLine();
        if (ready == null || !ready.startsWith("READY ")) {
          throw new IllegalStateException("the gateway did not get ready: " + ready + "; log " + log);
        }
        String[] f = ready.split(" ");
        long readyAt = Long.parseLong(f[1]);
        long feedMs = Long.parseLong(f[2]);
        long jvmStart = Long.parseLong(f[3]);
        long heapAtReady = mem(in, cmd);
        List<Result> results = new ArrayList<>();
        results.add(Result.of("gateway", SUBJECT + " ready", String.format("%.1f s to ready", (readyAt - started) / 1000.0),
            String.format("%,d statuses in connections.status (%d partitions), read from the start by a new JVM"
                + " (-Xmx2g): JVM start to ready %.1f s, feed start to caught up %.1f s; heap after GC at ready"
                + " %,d MB, RSS %,d MB", load.statuses(), p.partitions(), (readyAt - jvmStart) / 1000.0,
                feedMs / 1000.0, heapAtReady, Machine.rssMb(child.pid()))));
        results.add(measureLoad(topics, producer, port, dataDir, in, cmd, child.pid()));
        cmd.write("STOP\n");
        cmd.flush();
        child.waitFor(60, TimeUnit.SECONDS);
        return results;
      } finally {
        child.destroy();
        Files.deleteIfExists(settings);
      }
    } finally {
      Dirs.delete(dataDir);
    }
  }

  private Result measureLoad(Topics topics, KafkaProducer<String, ConnectionStatus> producer, int port, Path dataDir,
      BufferedReader in, Writer cmd, long pid) throws Exception {
    TokenMinter minter = new TokenMinter(GatewayConfig.from(Env.of(Map.of("TOKENWARDEN_GATEWAY_JWT_SECRET", SECRET)),
        dataDir, false));
    int[] clientsOfTenant = new int[load.watchedTenants()];
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    HttpClient http = HttpClient.newHttpClient();
    AtomicInteger maxHeld = new AtomicInteger();
    Thread poller = new Thread(() -> pollClientsHeld(http, port, maxHeld), "bench-gateway-metrics");
    poller.setDaemon(true);
    poller.start();
    try {
      HttpClientAgent client = vertx.createHttpClient(new HttpClientOptions().setDefaultHost("127.0.0.1")
          .setDefaultPort(port).setConnectTimeout(60_000), new PoolOptions().setHttp1MaxSize(load.clients() + 16));
      long t0 = System.currentTimeMillis();
      Semaphore connecting = new Semaphore(500);
      for (int c = 0; c < load.clients(); c++) {
        int tenant = c % load.watchedTenants();
        clientsOfTenant[tenant]++;
        String token = minter.mint(tenantId(tenant), "bench-" + c, Duration.ofHours(2));
        connecting.acquire();
        open(client, tenant, token, connecting);
      }
      long deadline = System.currentTimeMillis() + 180_000;
      while (connected.get() + errors.get() < load.clients() && System.currentTimeMillis() < deadline) {
        Thread.sleep(50);
      }
      out.printf("bench: gateway: %,d of %,d clients got their snapshot in %.1f s (%d errors)%n", connected.get(),
          load.clients(), (System.currentTimeMillis() - t0) / 1000.0, errors.get());

      long cpuBefore = Machine.cpuTicks(pid);
      long wallBefore = System.nanoTime();
      int changes = produceChanges(topics, producer, clientsOfTenant);
      long wallAfter = System.nanoTime();
      long cpuAfter = Machine.cpuTicks(pid);
      long drainDeadline = System.currentTimeMillis() + 30_000;
      while (received.get() < expected.get() && System.currentTimeMillis() < drainDeadline) {
        Thread.sleep(50);
      }
      long missing = Math.max(0, expected.get() - received.get());
      long heapAfter = mem(in, cmd);
      double cpu = cpuBefore < 0 || cpuAfter < 0 ? -1
          : (cpuAfter - cpuBefore) / 100.0 / ((wallAfter - wallBefore) / 1e9) * 100;
      long[] pct = percentiles();
      int held = Math.max(maxHeld.get(), maxOpen.get());
      int errs = errors.get() + (missing > 0 ? 1 : 0);
      String value = errs == 0 && pct[3] > 0
          ? String.format("p50/p99 %d/%d ms", pct[0], pct[1])
          : String.format("p50/p99 %d/%d ms, %d ERRORS", pct[0], pct[1], errs);
      return Result.of("gateway", SUBJECT + " " + load.clients() + " clients", value, String.format(
          "%,d SSE clients over %d tenants (100 statuses each), %,d status changes at %,d/s for %d s on %,d"
              + " statuses; produce to client: p50 %d ms, p99 %d ms, max %d ms over %,d events (expected %,d,"
              + " missing %,d); client errors %d%s; most clients held %,d; gateway CPU %.0f%% of one core, heap"
              + " after GC %,d MB, RSS %,d MB. Targets: p99 <= 200 ms at 1,000/s with 1,000 clients;"
              + " 10,000 clients without errors", load.clients(), load.watchedTenants(), changes, load.rate(),
          load.duration().toSeconds(), load.statuses(), pct[0], pct[1], pct[2], pct[3], expected.get(), missing,
          errors.get(), firstError.get() == null ? "" : " (first: " + firstError.get() + ")", held, cpu, heapAfter,
          Machine.rssMb(pid)));
    } finally {
      poller.interrupt();
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
  }

  private void open(HttpClientAgent client, int tenant, String token, Semaphore connecting) {
    boolean[] released = {false};
    Runnable release = () -> {
      if (!released[0]) {
        released[0] = true;
        connecting.release();
      }
    };
    client.request(HttpMethod.GET, "/v1/tenants/" + tenantId(tenant) + "/events")
        .compose(req -> req.putHeader("Authorization", "Bearer " + token).send())
        .onSuccess(resp -> {
          if (resp.statusCode() != 200) {
            error("HTTP " + resp.statusCode());
            release.run();
            return;
          }
          maxOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
          StringBuilder pending = new StringBuilder();
          resp.handler(buf -> {
            if (onData(pending, buf)) {
              release.run();
            }
          });
          resp.exceptionHandler(e -> error(e.toString()));
          resp.endHandler(v -> open.decrementAndGet());
        })
        .onFailure(e -> {
          error(e.toString());
          release.run();
        });
  }

  /**
   * Parses complete events from the stream; true once the snapshot has arrived. By index over the pending
   * text, without copying each event: with 10,000 clients the parsing is the bench's own hot path.
   */
  private boolean onData(StringBuilder pending, Buffer buf) {
    long now = System.currentTimeMillis();
    // The events are ASCII but for ids and names in the data; Latin-1 decodes without a table look-up.
    pending.append(buf.toString(StandardCharsets.ISO_8859_1));
    boolean snapshot = false;
    int from = 0;
    int end;
    while ((end = pending.indexOf("\n\n", from)) >= 0) {
      int type = pending.indexOf("event: ", from);
      if (type >= 0 && type < end) {
        type += 7;
        if (startsWith(pending, "status\n", type)) {
          int at = pending.indexOf("\"updatedAt\":\"", type);
          if (at >= 0 && at < end) {
            int t = at + 13;
            long produced = Instant.parse(pending.subSequence(t, pending.indexOf("\"", t))).toEpochMilli();
            latencyMs.incrementAndGet((int) Math.min(MAX_LATENCY_MS, Math.max(0, now - produced)));
            received.incrementAndGet();
          }
        } else if (startsWith(pending, "snapshot\n", type)) {
          connected.incrementAndGet();
          snapshot = true;
        } else if (startsWith(pending, "bye\n", type)) {
          error("disconnected by the gateway: " + pending.substring(type, end).replace('\n', ' '));
        }
      }
      from = end + 2;
    }
    pending.delete(0, from);
    return snapshot;
  }

  private static boolean startsWith(StringBuilder text, String prefix, int at) {
    if (at + prefix.length() > text.length()) {
      return false;
    }
    for (int i = 0; i < prefix.length(); i++) {
      if (text.charAt(at + i) != prefix.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private void error(String what) {
    errors.incrementAndGet();
    firstError.compareAndSet(null, what);
  }

  /** Changes statuses of the watched tenants at the load's rate; returns how many. */
  private int produceChanges(Topics topics, KafkaProducer<String, ConnectionStatus> producer, int[] clientsOfTenant)
      throws InterruptedException {
    long start = System.nanoTime();
    long end = start + load.duration().toNanos();
    int sent = 0;
    ThreadLocalRandom random = ThreadLocalRandom.current();
    while (System.nanoTime() < end) {
      long due = (long) ((System.nanoTime() - start) / 1e9 * load.rate());
      for (; sent < due; sent++) {
        int tenant = random.nextInt(load.watchedTenants());
        int i = tenant * load.perTenant() + random.nextInt(load.perTenant());
        ConnectionStatus s = status(i, sent % 2 == 0 ? ConnectionState.REFRESHING : ConnectionState.CONNECTED);
        expected.addAndGet(clientsOfTenant[tenant]);
        producer.send(new ProducerRecord<>(topics.status.name(), s.getConnectionId(), s));
      }
      Thread.sleep(1);
    }
    producer.flush();
    return sent;
  }

  private void pollClientsHeld(HttpClient http, int port, AtomicInteger max) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build();
    while (!Thread.currentThread().isInterrupted()) {
      try {
        String body = http.send(request, HttpResponse.BodyHandlers.ofString()).body();
        body.lines().filter(l -> l.startsWith("tokenwarden_gateway_sse_clients{")).findFirst()
            .ifPresent(l -> max.accumulateAndGet((int) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)),
                Math::max));
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        return;
      } catch (Exception e) {
        // The gateway is busy or stopping; the next poll counts.
      }
    }
  }

  /** p50, p99 and max in ms, and the count, from the histogram. */
  private long[] percentiles() {
    long count = 0;
    for (int i = 0; i <= MAX_LATENCY_MS; i++) {
      count += latencyMs.get(i);
    }
    long p50 = -1;
    long p99 = -1;
    long max = 0;
    long seen = 0;
    for (int i = 0; i <= MAX_LATENCY_MS; i++) {
      long n = latencyMs.get(i);
      if (n == 0) {
        continue;
      }
      seen += n;
      max = i;
      if (p50 < 0 && seen >= Math.ceil(count * 0.50)) {
        p50 = i;
      }
      if (p99 < 0 && seen >= Math.ceil(count * 0.99)) {
        p99 = i;
      }
    }
    return new long[] {p50, p99, max, count};
  }

  private static long mem(BufferedReader in, Writer cmd) throws Exception {
    cmd.write("MEM\n");
    cmd.flush();
    String mem = in.readLine();
    return mem == null ? -1 : Long.parseLong(mem.split(" ")[1]) / (1024 * 1024);
  }

  private KafkaProducer<String, ConnectionStatus> producer(Topics topics) {
    return new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true", ProducerConfig.LINGER_MS_CONFIG, "1",
        ProducerConfig.BATCH_SIZE_CONFIG, "262144", ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "120000"),
        topics.status.keySerde().serializer(), topics.status.valueSerde().serializer());
  }

  private ConnectionStatus status(int i, ConnectionState state) {
    Instant now = Instant.ofEpochMilli(System.currentTimeMillis());
    return ConnectionStatus.newBuilder().setConnectionId(String.format("gw-%08d", i))
        .setTenantId(tenantId(i / load.perTenant())).setProvider("youtube").setAccountId(String.format("channel-%08d", i))
        .setState(state).setAttention(false).setReason(state == ConnectionState.EXPIRING ? "access_token_expiring" : null)
        .setExpiresAt(now.plusSeconds(3600)).setUpdatedAt(now).setGeneration(1).build();
  }

  private static String tenantId(int tenant) {
    return String.format("tenant-%05d", tenant);
  }
}
