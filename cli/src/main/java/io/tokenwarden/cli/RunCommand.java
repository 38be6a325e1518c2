package io.tokenwarden.cli;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenwarden.gateway.StatusGateway;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.runtime.config.TokenwardenConfig;
import io.tokenwarden.runtime.ops.Health;
import io.tokenwarden.runtime.ops.OpsMetrics;
import io.tokenwarden.runtime.ops.OpsServer;
import io.tokenwarden.runtime.sealing.CredentialSealer;
import io.tokenwarden.runtime.sealing.Keysets;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tokenwarden run [--stream] [--worker] [--gateway]}: the long-running services, until SIGTERM. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run the expiry stream (--stream), the refresh worker (--worker), the status gateway (--gateway),"
        + " or all three (no flag).")
final class RunCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Option(names = "--stream", description = "Run the expiry stream.") boolean stream;
  @Option(names = "--worker", description = "Run the refresh worker.") boolean worker;
  @Option(names = "--gateway", description = "Run the status gateway: API, event stream and status page.")
  boolean gateway;

  @Override
  public Integer call() throws Exception {
    Env env = CliContext.env(spec);
    boolean all = !stream && !worker && !gateway;
    Services services = Services.start(env, all || stream, all || worker, all || gateway,
        spec.commandLine().getOut());
    CountDownLatch closed = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      services.close();
      closed.countDown();
    }, "tokenwarden-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    int code = services.awaitFatalError();
    // A fatal error: close here (the hook is not needed) and exit non-zero.
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
      services.close();
    } catch (IllegalStateException shuttingDown) {
      closed.await();
    }
    return code;
  }

  /** The services of one process, their meters and their HTTP server. */
  static final class Services implements AutoCloseable {
    final Broker broker;
    final PrometheusMeterRegistry registry;
    final StreamService stream;
    final WorkerService worker;
    final StatusGateway gateway;
    /** Seals and opens credentials; loaded only when the worker runs. */
    final CredentialSealer sealer;
    final OpsServer ops;
    final Duration closeTimeout;

    private Services(Broker broker, PrometheusMeterRegistry registry, StreamService stream, WorkerService worker,
        StatusGateway gateway, CredentialSealer sealer, OpsServer ops, Duration closeTimeout) {
      this.sealer = sealer;
      this.broker = broker;
      this.registry = registry;
      this.stream = stream;
      this.worker = worker;
      this.gateway = gateway;
      this.ops = ops;
      this.closeTimeout = closeTimeout;
    }

    /** The stream and the worker as chosen, without the gateway. */
    static Services start(Env env, boolean runStream, boolean runWorker, PrintWriter out) throws Exception {
      return start(env, runStream, runWorker, false, out);
    }

    static Services start(Env env, boolean runStream, boolean runWorker, boolean runGateway, PrintWriter out)
        throws Exception {
      TokenwardenConfig config = TokenwardenConfig.from(env);
      // A registry that is down or lacks our schemas is an error now, not a stalled stream later.
      config.topics().wireFormat().resolveWriters(config.topics().all());
      Duration closeTimeout = env.getDuration("TOKENWARDEN_CLOSE_TIMEOUT", Duration.ofSeconds(30));
      int port = env.getInt("TOKENWARDEN_HTTP_PORT", 8080);
      Broker broker = Broker.useOrStart(config);
      if (broker.embedded() || config.local()) {
        broker.ensureTopics();
      }
      int count = (runStream ? 1 : 0) + (runWorker ? 1 : 0) + (runGateway ? 1 : 0);
      String application = count > 1 ? "tokenwarden" : runStream ? "tokenwarden-stream"
          : runWorker ? "tokenwarden-worker" : "tokenwarden-gateway";
      PrometheusMeterRegistry registry = OpsMetrics.newRegistry(application);
      StreamService stream = runStream ? new StreamService(env, config, broker.bootstrapServers(), registry) : null;
      WorkerService worker = null;
      CredentialSealer sealer = null;
      if (runWorker) {
        sealer = new CredentialSealer(Keysets.load(env, config.dataDir(), config.local()));
        worker = new WorkerService(env, config, broker.bootstrapServers(), sealer, registry);
      }
      List<Health> live = new ArrayList<>();
      List<Health> ready = new ArrayList<>();
      if (stream != null) {
        live.add(stream.live());
        ready.add(stream.ready());
      }
      if (worker != null) {
        live.add(worker.live());
        ready.add(worker.ready());
      }
      StatusGateway gateway = runGateway ? StatusGateway.create(env, config, broker.bootstrapServers(), registry) : null;
      if (gateway != null) {
        live.add(gateway.live());
        ready.add(gateway.ready());
      }
      OpsServer ops = OpsServer.start(port, registry, Health.all(live), Health.all(ready),
          gateway == null ? List.of() : List.of(gateway.routes()));
      if (stream != null) {
        stream.start();
      }
      if (gateway != null) {
        gateway.start();
      }
      out.println("kafka: " + broker.bootstrapServers() + (broker.embedded() ? " (embedded)" : ""));
      out.println("metrics: http://localhost:" + ops.port() + "/metrics  health: /health/live /health/ready");
      if (gateway != null) {
        out.println("status page: http://localhost:" + ops.port() + "/  API: /v1  OpenAPI: /openapi.json");
      }
      out.flush();
      return new Services(broker, registry, stream, worker, gateway, sealer, ops, closeTimeout);
    }

    /** Blocks until a service fails; returns the exit code (non-zero). */
    int awaitFatalError() throws InterruptedException {
      while (true) {
        int code = fatalExitCode();
        if (code != 0) {
          return code;
        }
        Thread.sleep(500);
      }
    }

    /** Non-zero once a service has stopped on a fatal error. */
    int fatalExitCode() {
      if (stream != null && stream.exitCode() != 0) {
        return stream.exitCode();
      }
      return worker != null ? worker.exitCode() : 0;
    }

    private boolean closed;

    @Override
    public synchronized void close() {
      if (closed) {
        return;
      }
      closed = true;
      // The gateway first: its clients are told to reconnect elsewhere while the rest still runs.
      if (gateway != null) {
        gateway.close();
      }
      // The worker next: it stops taking commands the stream would still be producing results for.
      if (worker != null) {
        worker.close(closeTimeout);
      }
      if (stream != null) {
        stream.close(closeTimeout);
      }
      ops.close();
      registry.close();
      broker.close();
    }
  }
}
