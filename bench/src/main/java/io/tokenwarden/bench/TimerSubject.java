package io.tokenwarden.bench;

import java.time.Duration;
import java.util.List;
import java.util.function.IntToLongFunction;

/**
 * Something that keeps deadlines and fires them: the expiry stream, or a PostgreSQL table polled by a
 * scheduler. Connections are named {@code <batch>-<index>}.
 */
interface TimerSubject extends AutoCloseable {

  /** Far-future deadline: a tracked connection that never fires during the run. */
  long TRACKED = Long.MAX_VALUE;

  String name();

  /** Adds connections {@code from} to {@code to - 1} of {@code batch}, due at {@code dueAt(i)} or {@link #TRACKED}. */
  void issue(String batch, int from, int to, IntToLongFunction dueAt) throws Exception;

  /** Waits until {@code count} connections of {@code batch} are tracked; returns when the last one was seen. */
  long awaitIngested(String batch, int count, Duration timeout) throws Exception;

  /** Waits until {@code count} deadlines of {@code batch} have fired, or the timeout; returns those that did. */
  List<Fired> awaitFired(String batch, int count, Duration timeout) throws Exception;

  /** Connections tracked so far, fired or not. */
  long tracked();

  @Override
  void close();
}
