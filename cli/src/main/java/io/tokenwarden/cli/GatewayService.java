package io.tokenwarden.cli;

import io.micrometer.core.instrument.MeterRegistry;
import io.tokenwarden.gateway.GatewayConfig;
import io.tokenwarden.gateway.StatusGateway;
import io.tokenwarden.producer.TokenEventPublisher;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.runtime.config.KafkaClients;
import io.tokenwarden.runtime.config.TokenwardenConfig;
import io.tokenwarden.runtime.ops.Health;
import io.tokenwarden.runtime.ops.HttpRoutes;
import io.tokenwarden.runtime.provider.Providers;

/**
 * The status gateway as one service of a {@code tokenwarden run} process: the gateway, and the publisher its
 * refresh icon uses (requests only, so the gateway needs no keyset).
 */
final class GatewayService implements AutoCloseable {

  final GatewayConfig config;
  private final TokenEventPublisher requests;
  private final StatusGateway gateway;

  GatewayService(Env env, TokenwardenConfig config, String bootstrap, MeterRegistry registry) {
    this.config = GatewayConfig.from(env, config.dataDir(), config.local());
    this.requests = TokenEventPublisher.forRequests(config, bootstrap, new Providers(env), "tokenwarden-gateway");
    this.gateway = StatusGateway.create(this.config, env, config.topics(), KafkaClients.base(config, bootstrap),
        requests::refreshRequested, registry);
  }

  HttpRoutes routes() {
    return gateway.routes();
  }

  void start() {
    gateway.start();
  }

  Health live() {
    return gateway.live();
  }

  Health ready() {
    return gateway.ready();
  }

  StatusGateway gateway() {
    return gateway;
  }

  @Override
  public void close() {
    gateway.close();
    requests.close();
  }
}
