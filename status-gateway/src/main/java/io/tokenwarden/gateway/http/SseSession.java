package io.tokenwarden.gateway.http;

import io.tokenwarden.gateway.index.EventPosition;
import io.tokenwarden.gateway.index.Frame;
import io.tokenwarden.gateway.index.StatusIndex;
import io.tokenwarden.gateway.index.StatusJson;
import io.tokenwarden.gateway.index.StatusSubscriber;
import io.tokenwarden.gateway.index.StatusView;
import io.tokenwarden.runtime.ops.OpsServer;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One client's event stream. The feed thread {@link #offer}s events into a bounded queue; the connection's
 * event loop writes them, never more than the response's write buffer holds, so memory per client is bounded
 * by the queue length and the buffer size. A client whose queue overflows is sent a {@code bye} event with the
 * reason {@code slow_client} and disconnected; it can resume from its last event id.
 */
final class SseSession implements StatusSubscriber {

  static final String CLIENT_CLOSED = "client_closed";
  static final String SLOW_CLIENT = "slow_client";
  static final String TOKEN_EXPIRED = "token_expired";
  static final String SHUTTING_DOWN = "shutting_down";

  /** Bytes gathered into one write. */
  private static final int WRITE_CHUNK = 32 * 1024;
  private static final byte[] HEARTBEAT = ": heartbeat\n\n".getBytes(StandardCharsets.US_ASCII);
  private static final long CLOSE_GRACE_MS = 5_000;

  private final Vertx vertx;
  private final Context context;
  private final HttpServerRequest request;
  private final HttpServerResponse response;
  private final String tenant;
  private final StatusIndex index;
  private final GatewayMetrics metrics;
  private final int maxQueued;
  private final ConcurrentLinkedQueue<Frame> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final AtomicBoolean overflowed = new AtomicBoolean();
  /** What is written before live events: the snapshot's pieces or the replayed events. Event loop only. */
  private final Deque<byte[]> initial = new ArrayDeque<>();
  private final long openedAt = System.nanoTime();
  private boolean initialTimed;
  /** Events below these offsets were already received by the client (it resumed); null once past them. */
  private long[] resumeFrom;
  private volatile boolean closed;
  private long heartbeatTimer = -1;
  private long expiryTimer = -1;

  SseSession(Vertx vertx, HttpServerRequest request, String tenant, StatusIndex index, GatewayMetrics metrics,
      int maxQueued, int bufferBytes, long[] resumeFrom) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.request = request;
    this.response = request.response();
    this.tenant = tenant;
    this.index = index;
    this.metrics = metrics;
    this.maxQueued = maxQueued;
    this.resumeFrom = resumeFrom;
    this.response.setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .putHeader("X-Accel-Buffering", "no")
        .setWriteQueueMaxSize(bufferBytes);
    metrics.clients.incrementAndGet();
  }

  /** Starts the stream: writes the snapshot or the missed events, then live events; event loop only. */
  void start(StatusIndex.Start start, Instant tokenExpiresAt, Duration heartbeat) {
    if (start instanceof StatusIndex.Snapshot s) {
      snapshotPieces(s.statuses(), s.id());
      metrics.sent("snapshot");
    } else if (start instanceof StatusIndex.Replay r) {
      for (Frame f : r.frames()) {
        byte[] bytes = frameBytes(f);
        if (bytes != null) {
          initial.add(bytes);
          metrics.sent(f.kind());
        }
      }
    }
    heartbeatTimer = vertx.setPeriodic(heartbeat.toMillis(), id -> {
      if (!closed && !response.writeQueueFull()) {
        response.write(Buffer.buffer(HEARTBEAT));
      }
    });
    long untilExpiry = Math.max(1, Duration.between(Instant.now(), tokenExpiresAt).toMillis());
    expiryTimer = vertx.setTimer(untilExpiry, id -> close(TOKEN_EXPIRED));
    drain();
  }

  @Override
  public void offer(Frame frame) {
    if (closed) {
      return;
    }
    if (queued.incrementAndGet() > maxQueued) {
      if (overflowed.compareAndSet(false, true)) {
        context.runOnContext(v -> close(SLOW_CLIENT));
      }
      return;
    }
    queue.add(frame);
    if (drainScheduled.compareAndSet(false, true)) {
      context.runOnContext(v -> {
        drainScheduled.set(false);
        drain();
      });
    }
  }

  /** Writes what is pending while the response's buffer has room; resumes when it drains. Event loop only. */
  private void drain() {
    if (closed) {
      return;
    }
    Buffer out = Buffer.buffer(4096);
    while (!response.writeQueueFull()) {
      byte[] next = initial.poll();
      if (next == null) {
        if (!initialTimed) {
          initialTimed = true;
          OpsServer.record(metrics.registry, GatewayRoutes.EVENTS_ROUTE, "GET", 200,
              Duration.ofNanos(System.nanoTime() - openedAt));
        }
        Frame f = queue.poll();
        if (f == null) {
          break;
        }
        queued.decrementAndGet();
        next = frameBytes(f);
        if (next == null) {
          continue;
        }
        metrics.sent(f.kind());
      }
      out.appendBytes(next);
      if (out.length() >= WRITE_CHUNK) {
        response.write(out);
        out = Buffer.buffer(4096);
      }
    }
    if (out.length() > 0) {
      response.write(out);
    }
    if (!initial.isEmpty() || !queue.isEmpty()) {
      response.drainHandler(v -> drain());
    }
  }

  /** The bytes of one event, or null when the client already has it (it resumed past it). */
  private byte[] frameBytes(Frame f) {
    if (resumeFrom == null) {
      return f.bytes();
    }
    if (f.offset() < resumeFrom[f.partition()]) {
      return null;
    }
    EventPosition merged = f.id().max(resumeFrom);
    if (merged.equals(f.id())) {
      resumeFrom = null;
      return f.bytes();
    }
    return Frame.withId(merged, f.body());
  }

  /**
   * The snapshot as one event whose data lines together are {@code {"connections":[...]}}, one status per
   * line, so that it is written piece by piece.
   */
  private void snapshotPieces(List<StatusView> statuses, EventPosition id) {
    initial.add(("id: " + id.text() + "\nevent: snapshot\ndata: {\"connections\":[").getBytes(StandardCharsets.UTF_8));
    for (int i = 0; i < statuses.size(); i++) {
      byte[] json = StatusJson.of(statuses.get(i));
      boolean last = i == statuses.size() - 1;
      byte[] piece = new byte[7 + json.length + (last ? 0 : 1)];
      System.arraycopy("\ndata: ".getBytes(StandardCharsets.US_ASCII), 0, piece, 0, 7);
      System.arraycopy(json, 0, piece, 7, json.length);
      if (!last) {
        piece[piece.length - 1] = ',';
      }
      initial.add(piece);
    }
    initial.add("\ndata: ]}\n\n".getBytes(StandardCharsets.US_ASCII));
  }

  /** Ends the stream, telling the client why unless it left by itself. Any thread. */
  void close(String reason) {
    if (Vertx.currentContext() != context) {
      context.runOnContext(v -> close(reason));
      return;
    }
    if (closed) {
      return;
    }
    closed = true;
    index.unsubscribe(tenant, this);
    vertx.cancelTimer(heartbeatTimer);
    vertx.cancelTimer(expiryTimer);
    metrics.clients.decrementAndGet();
    metrics.disconnected(reason);
    queue.clear();
    if (!reason.equals(CLIENT_CLOSED)) {
      response.write("event: bye\ndata: {\"reason\":\"" + reason + "\",\"message\":\"" + message(reason) + "\"}\n\n");
      // Close the connection once the end is sent, so the client reconnects (perhaps to another replica); a
      // client that reads nothing never lets the end through, so it is cut off after a grace period.
      response.end().onComplete(done -> request.connection().close());
      vertx.setTimer(CLOSE_GRACE_MS, id -> request.connection().close());
    }
  }

  private static String message(String reason) {
    return switch (reason) {
      case SLOW_CLIENT -> "the client did not keep up with the events; reconnect with Last-Event-ID";
      case TOKEN_EXPIRED -> "the token expired; reconnect with a new one";
      case SHUTTING_DOWN -> "the gateway is stopping; reconnect with Last-Event-ID";
      default -> reason;
    };
  }
}
