package io.tokenwarden.stream.state;

import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * Every pending timer of one task, ordered by due time, then connection id, then {@link TimerKind}.
 *
 * <p>The index is derived state: every timer it holds is also in its connection's {@link Connection#timers()}
 * in the changelogged connections store. So it lives in memory, is rebuilt from that store whenever the task
 * is initialised (after a restore, a rebalance or a restart), and writes no changelog of its own. That halves
 * what each {@code TokenIssued} and each fired timer sends to the broker, and a restore replays one record per
 * connection instead of one per connection and timer. The price is heap: about 80 bytes per timer plus the
 * connection id, shared by a connection's timers.
 *
 * <p>The cursor only moves forward: a scan starts there, and it keeps a wall clock that steps back from
 * hiding timers behind it (see the processor's {@code effectiveNow}).
 */
public final class DeadlineIndex {

  /** A timer found in the index; {@code generation} is the connection generation it was scheduled in. */
  public record Entry(long due, String connectionId, TimerKind kind, long generation) {}

  private final NavigableSet<Entry> entries = new TreeSet<>(DeadlineIndex::compare);
  private long cursor;

  /** Schedules {@code timer} of a connection, replacing the same timer of an earlier generation. */
  public void put(String connectionId, Timer timer, long generation) {
    Entry entry = new Entry(Math.max(0, timer.due()), connectionId, timer.kind(), generation);
    // Nearly every put is of a timer not yet there: one descent of the tree, and a second only to replace.
    if (!entries.add(entry)) {
      entries.remove(entry);
      entries.add(entry);
    }
  }

  /** Schedules every timer {@code connection} holds; used when the index is rebuilt from the store. */
  public void putAll(Connection connection) {
    for (Timer t : connection.timers()) {
      put(connection.connectionId(), t, connection.generation());
    }
  }

  public void delete(String connectionId, Timer timer) {
    entries.remove(new Entry(Math.max(0, timer.due()), connectionId, timer.kind(), 0));
  }

  /**
   * Up to {@code max} timers due at or before {@code now}, from the cursor on, earliest first. The list is a
   * copy, so callers may change the index while firing them.
   */
  public List<Entry> due(long now, int max) {
    List<Entry> found = new ArrayList<>();
    if (now < cursor) {
      return found;
    }
    // The empty id sorts before every real one, so (now + 1, "") is past every timer due at now.
    for (Entry e : entries.subSet(bound(cursor), true, bound(now + 1), false)) {
      if (found.size() >= max) {
        break;
      }
      found.add(e);
    }
    return found;
  }

  /** Every timer due before the cursor has been fired; scans start here. */
  public long cursor() {
    return cursor;
  }

  /** Moves the cursor forward to {@code due}; never back. */
  public void advanceCursor(long due) {
    cursor = Math.max(cursor, due);
  }

  /** How many timers this task has pending. */
  public long size() {
    return entries.size();
  }

  /** The index order; the generation is not part of a timer's identity. Written out: it runs per tree level. */
  private static int compare(Entry a, Entry b) {
    int c = Long.compare(a.due(), b.due());
    if (c != 0) {
      return c;
    }
    c = a.connectionId().compareTo(b.connectionId());
    return c != 0 ? c : a.kind().compareTo(b.kind());
  }

  private static Entry bound(long due) {
    return new Entry(Math.max(0, due), "", TimerKind.values()[0], 0);
  }
}
