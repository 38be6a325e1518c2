package io.tokenwarden.gateway;

import io.micrometer.core.instrument.MeterRegistry;
import io.tokenwarden.contracts.Topics;
import io.tokenwarden.gateway.auth.SseTickets;
import io.tokenwarden.gateway.auth.TokenVerifier;
import io.tokenwarden.gateway.http.GatewayMetrics;
import io.tokenwarden.gateway.http.GatewayRoutes;
import io.tokenwarden.gateway.index.Renewal;
import io.tokenwarden.gateway.index.StatusFeed;
import io.tokenwarden.gateway.index.StatusIndex;
import io.tokenwarden.runtime.ops.Health;
import io.tokenwarden.runtime.ops.HttpRoutes;
import io.tokenwarden.stream.policy.ExpiryPolicies;
import io.tokenwarden.producer.TokenEventPublisher;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.runtime.config.KafkaClients;
import io.tokenwarden.runtime.config.TokenwardenConfig;
import io.tokenwarden.runtime.provider.Providers;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * The status gateway: {@code connections.status} materialised in memory by a {@link StatusFeed}, served by
 * {@link GatewayRoutes} on the process's HTTP server. Lifecycle: {@link #create}, {@link #routes()} (mounted by
 * the HTTP server), {@link #start()}, {@link #live()} / {@link #ready()}, {@link #close()}.
 */
public final class StatusGateway implements AutoCloseable {

  private final GatewayConfig config;
  private final StatusFeed feed;
  private final GatewayRoutes routes;
  private final GatewayMetrics metrics;
  private final AutoCloseable owned;

  private StatusGateway(GatewayConfig config, StatusFeed feed, GatewayRoutes routes, GatewayMetrics metrics,
      AutoCloseable owned) {
    this.config = config;
    this.feed = feed;
    this.routes = routes;
    this.metrics = metrics;
    this.owned = owned;
  }

  /**
   * The gateway of a Tokenwarden process: settings from {@code TOKENWARDEN_GATEWAY_*} (a local process may use a
   * generated JWT secret), and its own publisher for the refresh icon, which needs no keyset.
   */
  public static StatusGateway create(Env env, TokenwardenConfig config, String bootstrapServers,
      MeterRegistry registry) {
    GatewayConfig gateway = GatewayConfig.from(env, config.dataDir(), config.local());
    TokenEventPublisher requests = TokenEventPublisher.forRequests(config, bootstrapServers, new Providers(env),
        "tokenwarden-gateway");
    try {
      StatusGateway g = create(gateway, env, config.topics(), KafkaClients.base(config, bootstrapServers),
          requests::refreshRequested, registry);
      return new StatusGateway(g.config, g.feed, g.routes, g.metrics, requests);
    } catch (RuntimeException e) {
      requests.close();
      throw e;
    }
  }

  /**
   * A gateway over {@code topics.status}.
   *
   * @param env the environment, for the providers' expiry policies (which connections a machine can renew)
   * @param kafka Kafka client properties, bootstrap servers included
   * @param refreshes publishes the refresh icon's {@code RefreshRequested}
   */
  public static StatusGateway create(GatewayConfig config, Env env, Topics topics, Map<String, Object> kafka,
      GatewayRoutes.RefreshRequests refreshes, MeterRegistry registry) {
    StatusFeed feed = new StatusFeed(topics.status, kafka, new Renewal(ExpiryPolicies.from(env)),
        config.replayEvents(), registry);
    GatewayMetrics metrics = new GatewayMetrics(registry);
    GatewayRoutes routes = new GatewayRoutes(config, feed::index, new TokenVerifier(config),
        new SseTickets(config.ticketKey(), config.ticketTtl(), Clock.systemUTC()), refreshes, metrics);
    return new StatusGateway(config, feed, routes, metrics, null);
  }

  /** The settings, for minting tokens with the gateway's own secret (the demo). */
  public GatewayConfig config() {
    return config;
  }

  /** The API, event stream and page, to mount on the process's HTTP server. */
  public HttpRoutes routes() {
    return routes;
  }

  /** Starts reading {@code connections.status}. */
  public void start() {
    feed.start();
  }

  /** Live unless the status feed failed or stalled. */
  public Health live() {
    return () -> new Health.Status(feed.live(), "gateway " + feed.detail());
  }

  /** Ready once caught up with {@code connections.status}. */
  public Health ready() {
    return () -> new Health.Status(feed.ready(), "gateway " + feed.detail());
  }

  /** The index, for tests and the bench; null until the topic's partitions are known. */
  public StatusIndex index() {
    return feed.index();
  }

  /** Start to caught up, once it happened. */
  public Duration timeToReady() {
    return feed.timeToReady();
  }

  /** Open stream clients. */
  public int clients() {
    return metrics.clients();
  }

  /** Ends the streams (clients are told to reconnect elsewhere) and stops the feed. */
  @Override
  public void close() {
    routes.closeStreams();
    feed.close();
    if (owned != null) {
      try {
        owned.close();
      } catch (Exception e) {
        throw new IllegalStateException("cannot close the refresh publisher: " + e.getMessage(), e);
      }
    }
  }
}
