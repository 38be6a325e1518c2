package io.tokenwarden.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.TreeSet;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;

/**
 * One of the bench's Kafka Streams applications ({@link BenchStreams}) alone in a JVM, so that its heap, JIT,
 * restore time and memory are its own. Reads {@code var.*} and {@code kafka.*} settings from the properties file
 * named by its argument and prints {@code RUNNING <epoch ms> <JVM start epoch ms>} (or {@code ERROR <cause>}).
 * Then answers, one line each: {@code PAUSE} and {@code RESUME} with {@code OK}, {@code MEM} with
 * {@code MEM <heap used after GC> <committed>}, {@code TASKS} with
 * {@code TASKS <state> <active partitions, comma-separated or -> <standby tasks>}; stops on {@code STOP} or end
 * of input. Protocol lines start with those words; anything else on stdout (a log line) is not one.
 */
public final class StreamChild {

  private StreamChild() {}

  public static void main(String[] args) throws Exception {
    BenchCommand.quietLogs();
    // The protocol owns stdout; whatever else prints goes to stderr, the parent's log file.
    PrintStream protocol = new PrintStream(new java.io.FileOutputStream(java.io.FileDescriptor.out), true,
        StandardCharsets.UTF_8);
    System.setOut(System.err);
    ChildSettings settings = ChildSettings.read(args[0]);
    KafkaStreams streams = BenchStreams.create(settings.vars(), settings.kafka());
    streams.start();
    while (streams.state() != KafkaStreams.State.RUNNING) {
      if (streams.state() == KafkaStreams.State.ERROR || streams.state() == KafkaStreams.State.NOT_RUNNING) {
        protocol.println("ERROR the stream went to " + streams.state());
        System.exit(1);
      }
      Thread.sleep(5);
    }
    protocol.println("RUNNING " + System.currentTimeMillis() + " " + ManagementFactory.getRuntimeMXBean().getStartTime());
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null && !line.equals("STOP"); line = in.readLine()) {
      switch (line) {
        case "MEM" -> protocol.println(Machine.heapAfterGc());
        case "PAUSE" -> {
          streams.pause();
          protocol.println("OK");
        }
        case "RESUME" -> {
          streams.resume();
          protocol.println("OK");
        }
        case "TASKS" -> protocol.println(tasks(streams));
        default -> protocol.println("ERROR unknown command " + line);
      }
    }
    streams.close(CloseOptions.timeout(Duration.ofSeconds(60))
        .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
    System.exit(0);
  }

  /** {@code TASKS <state> <active partitions> <standby tasks>} of this instance. */
  static String tasks(KafkaStreams streams) {
    TreeSet<Integer> active = new TreeSet<>();
    int standby = 0;
    for (var thread : streams.metadataForLocalThreads()) {
      thread.activeTasks().forEach(t -> active.add(t.taskId().partition()));
      standby += thread.standbyTasks().size();
    }
    return "TASKS " + streams.state() + " " + (active.isEmpty() ? "-" : active.toString().replaceAll("[\\[\\] ]", ""))
        + " " + standby;
  }
}
