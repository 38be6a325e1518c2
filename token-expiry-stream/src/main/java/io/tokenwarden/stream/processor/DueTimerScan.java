package io.tokenwarden.stream.processor;

import io.tokenwarden.stream.state.Connection;
import io.tokenwarden.stream.state.DeadlineIndex;
import java.util.List;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * How the punctuator finds the timers due at a punctuation. The shipped strategy is {@link #DEADLINE_INDEX},
 * one range scan of the index from its cursor; the benchmarks swap in other strategies to compare against it.
 * Whatever it returns, {@link ConnectionProcessor} fires a timer only if the connection still holds it.
 */
@FunctionalInterface
public interface DueTimerScan {

  /** The deadline index's range scan from its cursor: the work grows with the due timers, not the tracked ones. */
  DueTimerScan DEADLINE_INDEX = (connections, index, now, max) -> index.due(now, max);

  /**
   * Up to {@code max} timers due at or before {@code now}, earliest first. Any iterator must be closed before
   * returning, because the caller changes both stores while firing.
   */
  List<DeadlineIndex.Entry> due(KeyValueStore<String, Connection> connections, DeadlineIndex index, long now,
      int max);
}
