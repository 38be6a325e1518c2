package io.tokenwarden.stream.state;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Every pending timer of one task, ordered by due time. A key is the big-endian due time in epoch millis,
 * then the connection id in UTF-8, then one byte of {@link TimerKind}; the value is the generation the timer
 * belongs to. Byte order is time order, so one range scan from {@link #cursor()} to now finds every due timer.
 *
 * <p>The cursor is kept in memory and only moves forward, so a scan does not walk again over the RocksDB
 * tombstones of timers already fired. After a restart it starts at zero and the first scan pays that once.
 */
public final class DeadlineIndex {

  /** A timer found in the index. */
  public record Entry(long due, String connectionId, TimerKind kind, long generation) {}

  private final KeyValueStore<Bytes, Long> store;
  private long cursor;
  private long size;

  public DeadlineIndex(KeyValueStore<Bytes, Long> store) {
    this.store = store;
    try (KeyValueIterator<Bytes, Long> all = store.all()) {
      while (all.hasNext()) {
        all.next();
        size++;
      }
    }
  }

  public void put(String connectionId, Timer timer, long generation) {
    Bytes key = key(timer.due(), connectionId, timer.kind());
    if (store.get(key) == null) {
      size++;
    }
    store.put(key, generation);
  }

  public void delete(String connectionId, Timer timer) {
    if (store.delete(key(timer.due(), connectionId, timer.kind())) != null) {
      size--;
    }
  }

  /**
   * Up to {@code max} timers due at or before {@code now}, from the cursor on, earliest first. The iterator is
   * closed before returning, so callers may change the index while firing them.
   */
  public List<Entry> due(long now, int max) {
    List<Entry> found = new ArrayList<>();
    if (now < cursor) {
      return found;
    }
    // Keys always carry a suffix, so the bare timestamp now + 1 sorts after every key due at now.
    try (KeyValueIterator<Bytes, Long> it = store.range(timestampKey(cursor), timestampKey(now + 1))) {
      while (it.hasNext() && found.size() < max) {
        var kv = it.next();
        found.add(decode(kv.key, kv.value));
      }
    }
    return found;
  }

  /** Every timer due at or before {@code due} that was before the cursor has been fired; scans start here. */
  public long cursor() {
    return cursor;
  }

  /** Moves the cursor forward to {@code due}; never back. */
  public void advanceCursor(long due) {
    cursor = Math.max(cursor, due);
  }

  /** How many timers this task has pending. */
  public long size() {
    return size;
  }

  static Bytes key(long due, String connectionId, TimerKind kind) {
    byte[] id = connectionId.getBytes(StandardCharsets.UTF_8);
    return Bytes.wrap(ByteBuffer.allocate(8 + id.length + 1)
        .putLong(Math.max(0, due)).put(id).put(kind.code()).array());
  }

  private static Bytes timestampKey(long millis) {
    return Bytes.wrap(ByteBuffer.allocate(8).putLong(Math.max(0, millis)).array());
  }

  static Entry decode(Bytes key, long generation) {
    byte[] raw = key.get();
    long due = ByteBuffer.wrap(raw, 0, 8).getLong();
    String id = new String(Arrays.copyOfRange(raw, 8, raw.length - 1), StandardCharsets.UTF_8);
    return new Entry(due, id, TimerKind.fromCode(raw[raw.length - 1]), generation);
  }
}
