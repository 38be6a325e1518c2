package io.tokenwarden.bench;

import io.tokenwarden.stream.processor.DueTimerScan;
import io.tokenwarden.stream.state.Connection;
import io.tokenwarden.stream.state.DeadlineIndex;
import io.tokenwarden.stream.state.Timer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The baseline the deadline index beats: every punctuation reads the whole connection store and checks each
 * connection's timers. It exists only in the bench, as the scheduler one writes without an index.
 */
final class NaiveScan implements DueTimerScan {

  @Override
  public List<DeadlineIndex.Entry> due(KeyValueStore<String, Connection> connections, DeadlineIndex index,
      long now, int max) {
    List<DeadlineIndex.Entry> due = new ArrayList<>();
    try (KeyValueIterator<String, Connection> all = connections.all()) {
      while (all.hasNext()) {
        KeyValue<String, Connection> kv = all.next();
        for (Timer t : kv.value.timers()) {
          if (t.due() <= now) {
            due.add(new DeadlineIndex.Entry(t.due(), kv.key, t.kind(), kv.value.generation()));
          }
        }
      }
    }
    due.sort(Comparator.comparingLong(DeadlineIndex.Entry::due));
    return due.size() > max ? new ArrayList<>(due.subList(0, max)) : due;
  }
}
