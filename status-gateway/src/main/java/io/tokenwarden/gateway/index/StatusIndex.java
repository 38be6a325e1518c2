package io.tokenwarden.gateway.index;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NavigableSet;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * {@code connections.status} held in memory: every connection by id, and per tenant its connections in listing
 * order (the "!" first), its recent events for resuming a stream, and its stream clients.
 *
 * <p>One thread (the feed) applies records, in partition order; request threads read. Each tenant's view is
 * guarded by its own lock, which the feed holds while it applies a record of that tenant and hands the event
 * to the tenant's clients; a snapshot and the registration of a client happen under the same lock, so a
 * client sees every change after its snapshot exactly once.
 *
 * <p>Events are kept for resuming only once the gateway has caught up ({@link #markReady()}); before that it
 * serves nothing.
 */
public final class StatusIndex {

  /** How a client's stream starts: a full snapshot, or the events it missed. */
  public sealed interface Start permits Snapshot, Replay {}

  /** The tenant's connections in listing order, as of {@code id}. */
  public record Snapshot(List<StatusView> statuses, EventPosition id) implements Start {}

  /** The tenant's events after the client's last event id, in order. */
  public record Replay(List<Frame> frames) implements Start {}

  /** One page of a listing, and where the next one starts if there is more. */
  public record Page(List<StatusView> statuses, Optional<Cursor> next) {}

  private final int partitions;
  private final String epoch;
  private final int replayEvents;
  private final ConcurrentHashMap<String, StatusView> byConnection = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, TenantView> tenants = new ConcurrentHashMap<>();
  /** Per partition, the offset below which every record has been applied. */
  private final AtomicLongArray position;
  private volatile long[] readyPosition;

  /**
   * @param partitions partitions of {@code connections.status}
   * @param epoch the topic's epoch, the prefix of event ids
   * @param replayEvents recent events kept per tenant for resuming
   */
  public StatusIndex(int partitions, String epoch, int replayEvents) {
    this.partitions = partitions;
    this.epoch = epoch;
    this.replayEvents = replayEvents;
    this.position = new AtomicLongArray(partitions);
  }

  public int partitions() {
    return partitions;
  }

  public String epoch() {
    return epoch;
  }

  /** Connections held. */
  public int size() {
    return byConnection.size();
  }

  public boolean ready() {
    return readyPosition != null;
  }

  /** The position applied so far. */
  public EventPosition position() {
    return new EventPosition(epoch, positions());
  }

  // ------------------------------------------------------------------ the feed's side

  /**
   * Applies the record at {@code offset} of {@code partition}: the connection's new status, or its removal
   * when {@code view} is null. Feed thread only.
   */
  public void apply(int partition, long offset, String connectionId, StatusView view) {
    StatusView old = view == null ? byConnection.remove(connectionId) : byConnection.put(connectionId, view);
    boolean events = readyPosition != null;
    String oldTenant = old == null ? null : old.tenantId();
    String newTenant = view == null ? null : view.tenantId();
    if (oldTenant != null && !oldTenant.equals(newTenant)) {
      // Removed, or moved to another tenant: gone from the old tenant's view.
      tenants.get(oldTenant).remove(old, events ? frame(partition, offset, "removed",
          StatusJson.removal(connectionId)) : null);
    }
    if (newTenant != null) {
      TenantView t = tenants.computeIfAbsent(newTenant, TenantView::new);
      t.upsert(newTenant.equals(oldTenant) ? old : null, view,
          events ? frame(partition, offset, "status", StatusJson.of(view)) : null);
    }
    advance(partition, offset + 1);
  }

  /** Records that every record below {@code nextOffset} of {@code partition} is applied. Feed thread only. */
  public void advance(int partition, long nextOffset) {
    if (nextOffset > position.get(partition)) {
      position.set(partition, nextOffset);
    }
  }

  /** The feed has caught up: from now on events are kept for resuming, and requests are served. */
  public void markReady() {
    if (readyPosition == null) {
      readyPosition = positions();
    }
  }

  private Frame frame(int partition, long offset, String kind, byte[] json) {
    long[] id = positions();
    id[partition] = Math.max(id[partition], offset + 1);
    return Frame.of(partition, offset, new EventPosition(epoch, id), kind, json);
  }

  private long[] positions() {
    long[] p = new long[partitions];
    for (int i = 0; i < partitions; i++) {
      p[i] = position.get(i);
    }
    return p;
  }

  // ------------------------------------------------------------------ the readers' side

  /** The status of a connection, whatever its tenant (callers check it). */
  public Optional<StatusView> get(String connectionId) {
    return Optional.ofNullable(byConnection.get(connectionId));
  }

  /**
   * A page of a tenant's connections in listing order (the "!" first, then by id), after {@code after},
   * filtered by attention and provider when given. At most {@code scanBudget} entries are examined per call,
   * so a filter that matches few of a large tenant's connections returns a short page with a cursor rather
   * than holding the tenant's lock for long.
   */
  public Page list(String tenant, Boolean attention, String provider, Cursor after, int limit, int scanBudget) {
    TenantView t = tenants.get(tenant);
    if (t == null) {
      return new Page(List.of(), Optional.empty());
    }
    StatusView from = after != null ? StatusView.probe(after.attention(), after.connectionId())
        : Boolean.FALSE.equals(attention) ? StatusView.probe(false, "") : null;
    boolean inclusive = after == null;
    List<StatusView> out = new ArrayList<>(Math.min(limit, 64));
    StatusView last = null;
    boolean more = false;
    synchronized (t) {
      NavigableSet<StatusView> range = from == null ? t.ordered : t.ordered.tailSet(from, inclusive);
      int scanned = 0;
      for (StatusView v : range) {
        if (attention != null && attention && !v.attention()) {
          break;
        }
        if (out.size() == limit || scanned == scanBudget) {
          more = true;
          break;
        }
        scanned++;
        last = v;
        if ((attention == null || v.attention() == attention) && (provider == null || provider.equals(v.provider()))) {
          out.add(v);
        }
      }
    }
    Optional<Cursor> next = more && last != null ? Optional.of(new Cursor(last.attention(), last.connectionId()))
        : Optional.empty();
    return new Page(out, next);
  }

  /**
   * Registers {@code subscriber} for the tenant's events and says how its stream starts: the events after
   * {@code lastEventId} when they are all still kept, else a snapshot. Events after the start are offered to
   * the subscriber from then on.
   */
  public Start subscribe(String tenant, Optional<long[]> lastEventId, StatusSubscriber subscriber) {
    TenantView t = tenants.computeIfAbsent(tenant, TenantView::new);
    synchronized (t) {
      t.subscribers.add(subscriber);
      if (lastEventId.isPresent() && t.canReplayFrom(lastEventId.get())) {
        long[] from = lastEventId.get();
        List<Frame> missed = new ArrayList<>();
        for (Frame f : t.recent) {
          if (f.offset() >= from[f.partition()]) {
            missed.add(f);
          }
        }
        return new Replay(missed);
      }
      return new Snapshot(new ArrayList<>(t.ordered), position());
    }
  }

  /** Stops offering events to {@code subscriber}. */
  public void unsubscribe(String tenant, StatusSubscriber subscriber) {
    TenantView t = tenants.get(tenant);
    if (t != null) {
      synchronized (t) {
        t.subscribers.remove(subscriber);
      }
    }
  }

  /** Stream clients of a tenant. */
  public int subscribers(String tenant) {
    TenantView t = tenants.get(tenant);
    if (t == null) {
      return 0;
    }
    synchronized (t) {
      return t.subscribers.size();
    }
  }

  /** One tenant: its connections in listing order, its recent events and its stream clients. */
  private final class TenantView {
    final TreeSet<StatusView> ordered = new TreeSet<>(StatusView.ORDER);
    final ArrayDeque<Frame> recent = new ArrayDeque<>();
    final List<StatusSubscriber> subscribers = new ArrayList<>(0);
    /** Per partition, the offset from which every event of this tenant is in {@link #recent}; null: ready's. */
    long[] floor;

    TenantView(String tenant) {}

    synchronized void upsert(StatusView old, StatusView now, Frame frame) {
      if (old != null) {
        ordered.remove(old);
      }
      ordered.add(now);
      publish(frame);
    }

    synchronized void remove(StatusView old, Frame frame) {
      ordered.remove(old);
      publish(frame);
    }

    private void publish(Frame frame) {
      if (frame == null) {
        return;
      }
      if (replayEvents > 0) {
        recent.addLast(frame);
        if (recent.size() > replayEvents) {
          Frame dropped = recent.removeFirst();
          if (floor == null) {
            floor = readyPosition.clone();
          }
          floor[dropped.partition()] = Math.max(floor[dropped.partition()], dropped.offset() + 1);
        }
      } else {
        // Nothing is kept: only a client that has this very event can resume without a snapshot.
        floor = frame.id().offsets().clone();
      }
      for (StatusSubscriber s : subscribers) {
        s.offer(frame);
      }
    }

    /** Whether every event of this tenant at or after {@code from} is still kept. */
    boolean canReplayFrom(long[] from) {
      long[] kept = floor != null ? floor : readyPosition;
      if (kept == null) {
        return false;
      }
      for (int p = 0; p < partitions; p++) {
        if (from[p] < kept[p]) {
          return false;
        }
      }
      return true;
    }
  }

  /** For tests: the tenant's connections in listing order. */
  List<StatusView> tenantOrder(String tenant) {
    TenantView t = tenants.get(tenant);
    if (t == null) {
      return List.of();
    }
    synchronized (t) {
      List<StatusView> all = new ArrayList<>();
      for (Iterator<StatusView> it = t.ordered.iterator(); it.hasNext(); ) {
        all.add(it.next());
      }
      return all;
    }
  }
}
