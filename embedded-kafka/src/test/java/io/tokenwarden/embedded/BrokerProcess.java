package io.tokenwarden.embedded;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * The embedded broker alone in a JVM, for tests that kill it: starts on the directory given, prints
 * {@code ready <bootstrap servers>} and runs until it is killed.
 */
public final class BrokerProcess {

  private BrokerProcess() {}

  public static void main(String[] args) throws InterruptedException {
    EmbeddedKafka kafka = EmbeddedKafka.start(Path.of(args[0]));
    System.out.println("ready " + kafka.bootstrapServers());
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
