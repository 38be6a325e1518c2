package io.tokenwarden.gateway.index;

/** A client of a tenant's event stream. */
public interface StatusSubscriber {

  /**
   * A new event of the tenant. Called by the feed thread, in record order, while it holds the tenant's lock:
   * it must only enqueue, never block or write.
   */
  void offer(Frame frame);
}
