package io.tokenwarden.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwarden.contracts.Topics;
import io.tokenwarden.stream.ExpiryConfig;
import io.tokenwarden.stream.ExpiryStreamRunner;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The expiry stream alone in a JVM, so that restore time and memory are its own. Reads {@code var.*} and
 * {@code kafka.*} settings from the properties file named by its argument, prints {@code RUNNING <epoch ms>},
 * then answers {@code MEM} with {@code MEM <heap bytes used after GC>} and stops on {@code STOP} or end of input.
 */
public final class StreamChild {

  private StreamChild() {}

  public static void main(String[] args) throws Exception {
    BenchCommand.quietLogs();
    ChildSettings settings = ChildSettings.read(args[0]);
    Map<String, String> vars = settings.vars();
    Map<String, Object> kafka = settings.kafka();
    Topics topics = Topics.create(vars.get("TOKENWARDEN_TOPIC_PREFIX"),
        Integer.parseInt(vars.get("TOKENWARDEN_PARTITIONS")));
    ExpiryStreamRunner runner = ExpiryStreamRunner.create(ExpiryConfig.of(vars), topics, kafka,
        new SimpleMeterRegistry());
    runner.start();
    while (runner.state() != KafkaStreams.State.RUNNING) {
      if (runner.state() == KafkaStreams.State.ERROR) {
        System.out.println("ERROR " + runner.fatalError().map(Throwable::toString).orElse("unknown"));
        System.exit(1);
      }
      Thread.sleep(5);
    }
    System.out.println("RUNNING " + System.currentTimeMillis() + " " + ManagementFactory.getRuntimeMXBean().getStartTime());
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null && !line.equals("STOP"); line = in.readLine()) {
      if (line.equals("MEM")) {
        System.out.println(Machine.heapAfterGc());
      }
    }
    runner.close(Duration.ofSeconds(30));
    System.exit(0);
  }
}
