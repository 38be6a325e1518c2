package io.tokenwarden.bench;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenwarden.gateway.StatusGateway;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.runtime.config.TokenwardenConfig;
import io.tokenwarden.runtime.ops.OpsMetrics;
import io.tokenwarden.runtime.ops.OpsServer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The status gateway alone in a JVM, as {@code tokenwarden run --gateway} composes it, so that its CPU, heap and
 * time to ready are its own. Reads {@code var.*} settings from the properties file named by its argument,
 * prints {@code PORT <port>}, then {@code READY <epoch ms> <feed start to caught up, ms> <JVM start epoch ms>},
 * answers {@code MEM} with {@code MEM <heap used after GC> <committed>}, and stops on {@code STOP} or end of input.
 */
public final class GatewayChild {

  private GatewayChild() {}

  public static void main(String[] args) throws Exception {
    BenchCommand.quietLogs();
    Env env = Env.of(ChildSettings.read(args[0]).vars());
    TokenwardenConfig config = TokenwardenConfig.from(env);
    PrometheusMeterRegistry registry = OpsMetrics.newRegistry("tokenwarden-gateway");
    StatusGateway gateway = StatusGateway.create(env, config, env.require("KAFKA_BOOTSTRAP_SERVERS"), registry);
    OpsServer server = OpsServer.start(0, registry, gateway.live(), gateway.ready(), List.of(gateway.routes()));
    System.out.println("PORT " + server.port());
    gateway.start();
    while (!gateway.ready().check().ok()) {
      Thread.sleep(5);
    }
    System.out.println("READY " + System.currentTimeMillis() + " " + gateway.timeToReady().toMillis() + " "
        + ManagementFactory.getRuntimeMXBean().getStartTime());
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null && !line.equals("STOP"); line = in.readLine()) {
      if (line.equals("MEM")) {
        System.out.println(Machine.heapAfterGc());
      }
    }
    gateway.close();
    server.close();
    registry.close();
    System.exit(0);
  }
}
