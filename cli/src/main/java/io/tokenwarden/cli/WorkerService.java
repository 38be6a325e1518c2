package io.tokenwarden.cli;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tokenwarden.contracts.WireFormat;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.runtime.config.KafkaClients;
import io.tokenwarden.runtime.config.TokenwardenConfig;
import io.tokenwarden.runtime.ops.Health;
import io.tokenwarden.runtime.sealing.CredentialSealer;
import io.tokenwarden.worker.RefreshWorkerRunner;
import io.tokenwarden.worker.WorkerConfig;
import java.time.Duration;

/** The refresh worker as one service of a {@code tokenwarden run} process: runner, meters and health. */
final class WorkerService implements AutoCloseable {

  private final RefreshWorkerRunner runner;
  private final WireFormat wireFormat;

  WorkerService(Env env, TokenwardenConfig config, String bootstrap, CredentialSealer sealer,
      MeterRegistry registry) {
    this.wireFormat = config.topics().wireFormat();
    this.runner = RefreshWorkerRunner.start(WorkerConfig.from(env), config.topics(),
        KafkaClients.base(config, bootstrap), sealer, registry);
    Gauge.builder("tokenwarden.worker.ready", runner, r -> r.isReady() ? 1 : 0)
        .description("1 while the refresh worker has partitions of the command topic assigned")
        .register(registry);
  }

  /** Ready once the worker has its partition assignment, and not while it waits for an unreachable registry. */
  Health ready() {
    return () -> {
      var outage = wireFormat.outage();
      return new Health.Status(runner.isReady() && outage.isEmpty(), "worker " + (runner.isReady()
          ? "assigned " + runner.assignment().size() + " partitions" : "has no partitions yet")
          + outage.map(o -> ", waiting: " + o).orElse(""));
    };
  }

  /** Live while the poll loop is making progress. */
  Health live() {
    return () -> new Health.Status(runner.isLive(), runner.liveness());
  }


  int exitCode() {
    return runner.exitCode();
  }

  void close(Duration timeout) {
    runner.close(timeout);
  }

  @Override
  public void close() {
    runner.close();
  }
}
