package io.tokenwarden.worker;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwarden.runtime.config.Env;
import io.tokenwarden.runtime.config.KafkaClients;
import io.tokenwarden.runtime.config.TokenwardenConfig;
import io.tokenwarden.runtime.sealing.CredentialSealer;
import io.tokenwarden.runtime.sealing.Keysets;

/**
 * A refresh worker in its own JVM, configured by environment variables only (as {@code tokenwarden run --worker}
 * is), for tests that kill it with SIGKILL.
 */
public final class WorkerChild {

  private WorkerChild() {}

  public static void main(String[] args) throws Exception {
    Env env = Env.system();
    TokenwardenConfig common = TokenwardenConfig.from(env);
    CredentialSealer sealer = new CredentialSealer(Keysets.load(env, common.dataDir(), false));
    RefreshWorkerRunner worker = RefreshWorkerRunner.start(WorkerConfig.from(env), common.topics(),
        KafkaClients.base(common, env.require("KAFKA_BOOTSTRAP_SERVERS")), sealer, new SimpleMeterRegistry());
    System.exit(worker.runUntilShutdown());
  }
}
