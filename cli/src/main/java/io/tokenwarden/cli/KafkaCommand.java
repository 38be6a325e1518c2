package io.tokenwarden.cli;

import io.tokenwarden.runtime.config.TokenwardenConfig;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code tokenwarden kafka}: only the embedded broker, until Ctrl-C. */
@Command(name = "kafka", mixinStandardHelpOptions = true,
    description = "Start the embedded single-node KRaft broker, create the topics, and print its address.")
final class KafkaCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    TokenwardenConfig config = CliContext.config(spec);
    Broker broker = Broker.start(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      broker.close();
      stopped.countDown();
    }, "kafka-shutdown"));
    broker.ensureTopics();
    spec.commandLine().getOut().println("bootstrap.servers=" + broker.bootstrapServers());
    spec.commandLine().getOut().flush();
    stopped.await();
    return 0;
  }
}
