package io.tokenwarden.gateway.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The event stream's meters: open clients, events sent, and disconnects by reason (slow clients among them). */
public final class GatewayMetrics {

  public static final String SSE_CLIENTS = "tokenwarden.gateway.sse.clients";
  public static final String SSE_EVENTS = "tokenwarden.gateway.sse.events";
  public static final String SSE_DISCONNECTS = "tokenwarden.gateway.sse.disconnects";

  /** Why a stream ended: the client left, it could not keep up, its token expired, or the gateway stopped. */
  public static final List<String> DISCONNECT_REASONS =
      List.of(SseSession.CLIENT_CLOSED, SseSession.SLOW_CLIENT, SseSession.TOKEN_EXPIRED, SseSession.SHUTTING_DOWN);
  /** Kinds of events sent. */
  public static final List<String> EVENT_KINDS = List.of("snapshot", "status", "removed");

  final MeterRegistry registry;
  final AtomicInteger clients = new AtomicInteger();
  private final Map<String, Counter> events;
  private final Map<String, Counter> disconnects;

  public GatewayMetrics(MeterRegistry registry) {
    this.registry = registry;
    Gauge.builder(SSE_CLIENTS, clients, AtomicInteger::get)
        .description("Open Server-Sent Events clients").register(registry);
    this.events = EVENT_KINDS.stream().collect(Collectors.toUnmodifiableMap(Function.identity(),
        k -> Counter.builder(SSE_EVENTS).description("Events sent to stream clients, by kind").tag("event", k)
            .register(registry)));
    this.disconnects = DISCONNECT_REASONS.stream().collect(Collectors.toUnmodifiableMap(Function.identity(),
        r -> Counter.builder(SSE_DISCONNECTS).description("Streams ended, by reason; slow_client: dropped as too slow")
            .tag("reason", r).register(registry)));
  }

  /** Open stream clients. */
  public int clients() {
    return clients.get();
  }

  void sent(String kind) {
    events.get(kind).increment();
  }

  void disconnected(String reason) {
    disconnects.get(reason).increment();
  }
}
