package io.tokenwarden.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tokenwarden.contracts.Topics;
import io.tokenwarden.stream.ExpiryConfig;
import io.tokenwarden.stream.ExpiryStreamRunner;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.Reader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
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
    Properties settings = new Properties();
    try (Reader r = Files.newBufferedReader(Path.of(args[0]))) {
      settings.load(r);
    }
    Map<String, String> vars = new HashMap<>();
    Map<String, Object> kafka = new HashMap<>();
    settings.stringPropertyNames().forEach(k -> {
      if (k.startsWith("var.")) {
        vars.put(k.substring(4), settings.getProperty(k));
      } else if (k.startsWith("kafka.")) {
        kafka.put(k.substring(6), settings.getProperty(k));
      }
    });
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
        for (int i = 0; i < 3; i++) {
          System.gc();
        }
        var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        System.out.println("MEM " + heap.getUsed() + " " + heap.getCommitted());
      }
    }
    runner.close(Duration.ofSeconds(30));
    System.exit(0);
  }
}
