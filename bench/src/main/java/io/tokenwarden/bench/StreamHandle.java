package io.tokenwarden.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;

/** A running bench stream, in the bench's JVM or in a {@link StreamChild} of its own. */
interface StreamHandle extends AutoCloseable {

  void pause() throws Exception;

  void resume() throws Exception;

  /** Whether the stream has failed. */
  boolean failed();

  /** {@code TASKS <state> <active partitions> <standby tasks>}, as {@link StreamChild#tasks} answers. */
  String tasks() throws Exception;

  /** Heap used after a full GC, in bytes; -1 in the bench's own JVM, where it is not the stream's alone. */
  long heapAfterGc() throws Exception;

  /** Resident set size of the stream's JVM in MB; -1 in the bench's own JVM. */
  long rssMb();

  /** The process id of the stream's JVM; -1 in the bench's own JVM. */
  long pid();

  /** When the stream's JVM started (epoch ms); -1 in the bench's own JVM. */
  long jvmStartedAt();

  /** Stops the stream, leaving the group so that another instance gets its tasks at once. */
  @Override
  void close();

  /** Starts the stream in this JVM and waits until it runs. */
  static StreamHandle inProcess(Map<String, String> vars, Map<String, Object> kafka, Duration timeout)
      throws InterruptedException {
    KafkaStreams streams = BenchStreams.create(vars, kafka);
    streams.start();
    long deadline = System.currentTimeMillis() + timeout.toMillis();
    while (streams.state() != KafkaStreams.State.RUNNING) {
      if (streams.state() == KafkaStreams.State.ERROR || System.currentTimeMillis() > deadline) {
        streams.close(Duration.ofSeconds(10));
        throw new IllegalStateException("the stream did not reach RUNNING: " + streams.state());
      }
      Thread.sleep(20);
    }
    return new StreamHandle() {
      @Override
      public void pause() {
        streams.pause();
      }

      @Override
      public void resume() {
        streams.resume();
      }

      @Override
      public boolean failed() {
        return streams.state() == KafkaStreams.State.ERROR;
      }

      @Override
      public String tasks() {
        return StreamChild.tasks(streams);
      }

      @Override
      public long heapAfterGc() {
        return -1;
      }

      @Override
      public long rssMb() {
        return -1;
      }

      @Override
      public long pid() {
        return -1;
      }

      @Override
      public long jvmStartedAt() {
        return -1;
      }

      @Override
      public void close() {
        streams.close(CloseOptions.timeout(Duration.ofSeconds(60))
            .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
      }
    };
  }

  /** Starts the stream in a new JVM ({@link StreamChild}) with {@code heap} as -Xmx and waits until it runs. */
  static StreamHandle child(Map<String, String> vars, Map<String, Object> kafka, String heap, Duration timeout)
      throws IOException, InterruptedException {
    return Child.start(vars, kafka, heap, timeout);
  }

  /** A {@link StreamChild} and the bench's side of its line protocol. */
  final class Child implements StreamHandle {
    private final Process process;
    private final Path log;
    private final Writer commands;
    private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
    private final long jvmStartedAt;

    private Child(Process process, Path log, long jvmStartedAt, Writer commands) {
      this.process = process;
      this.log = log;
      this.jvmStartedAt = jvmStartedAt;
      this.commands = commands;
    }

    static Child start(Map<String, String> vars, Map<String, Object> kafka, String heap, Duration timeout)
        throws IOException, InterruptedException {
      Path settings = new ChildSettings(vars, kafka).write("bench stream child");
      Path log = Files.createTempFile("tokenwarden-bench-child", ".log");
      Process process = new ProcessBuilder(Bench.javaBin(), "-Xmx" + heap, "-cp", Bench.classpath(),
          StreamChild.class.getName(), settings.toString()).redirectError(log.toFile()).start();
      BlockingQueue<String> lines = new LinkedBlockingQueue<>();
      Thread reader = new Thread(() -> {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(),
            StandardCharsets.UTF_8))) {
          for (String line = in.readLine(); line != null; line = in.readLine()) {
            lines.add(line);
          }
        } catch (IOException e) {
          // The child is gone; a waiting call times out and names the log.
        }
      }, "bench-child-reader-" + process.pid());
      reader.setDaemon(true);
      reader.start();
      String first = lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      Files.deleteIfExists(settings);
      if (first == null || !first.startsWith("RUNNING")) {
        process.destroyForcibly();
        throw new IllegalStateException("the stream child did not run: " + first + "; log " + log);
      }
      Child c = new Child(process, log, Long.parseLong(first.split(" ")[2]),
          new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
      // Later lines are answers to commands, in order.
      Thread forward = new Thread(() -> {
        try {
          while (true) {
            c.answers.put(lines.take());
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "bench-child-answers-" + process.pid());
      forward.setDaemon(true);
      forward.start();
      return c;
    }

    private synchronized String ask(String command) throws IOException, InterruptedException {
      commands.write(command + "\n");
      commands.flush();
      String answer = answers.poll(120, TimeUnit.SECONDS);
      if (answer == null || answer.startsWith("ERROR")) {
        throw new IllegalStateException("the stream child answered " + command + " with " + answer + "; log " + log);
      }
      return answer;
    }

    @Override
    public long pid() {
      return process.pid();
    }

    @Override
    public void pause() throws Exception {
      ask("PAUSE");
    }

    @Override
    public void resume() throws Exception {
      ask("RESUME");
    }

    @Override
    public boolean failed() {
      return !process.isAlive();
    }

    @Override
    public String tasks() throws Exception {
      return ask("TASKS");
    }

    @Override
    public long heapAfterGc() throws Exception {
      return Long.parseLong(ask("MEM").split(" ")[1]);
    }

    @Override
    public long rssMb() {
      return Machine.rssMb(process.pid());
    }

    @Override
    public long jvmStartedAt() {
      return jvmStartedAt;
    }

    @Override
    public void close() {
      try {
        synchronized (this) {
          commands.write("STOP\n");
          commands.flush();
        }
        if (!process.waitFor(90, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (IOException e) {
        process.destroyForcibly();
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
      try {
        Files.deleteIfExists(log);
      } catch (IOException e) {
        // A temporary file.
      }
    }
  }
}
