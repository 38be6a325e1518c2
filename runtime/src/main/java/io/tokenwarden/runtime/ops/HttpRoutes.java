package io.tokenwarden.runtime.ops;

import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;

/**
 * Routes a service serves on the process's one HTTP port, beside {@code /metrics} and {@code /health/*}.
 * Each route should start with {@link OpsServer#named} so its latency is recorded under its template.
 */
@FunctionalInterface
public interface HttpRoutes {

  /** Adds this service's routes to {@code router}; called once, before the server listens. */
  void mount(Vertx vertx, Router router);
}
