package io.tokenwarden.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A token endpoint on loopback that answers every refresh after a fixed delay and logs the arrival time of
 * each request, the evidence for the rate limit.
 */
final class StubProvider implements AutoCloseable {

  private static final byte[] ANSWER = ("{\"access_token\":\"bench-renewed\",\"token_type\":\"Bearer\","
      + "\"expires_in\":3600}").getBytes(StandardCharsets.UTF_8);

  private final HttpServer server;
  private final ExecutorService threads;
  private final ConcurrentLinkedQueue<Long> arrivals = new ConcurrentLinkedQueue<>();

  StubProvider(Duration latency, int maxConcurrent) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1024);
    threads = Executors.newFixedThreadPool(maxConcurrent);
    server.setExecutor(threads);
    server.createContext("/token", exchange -> {
      arrivals.add(System.currentTimeMillis());
      exchange.getRequestBody().readAllBytes();
      try {
        // The provider's own think time; this thread stands for the remote server.
        Thread.sleep(latency.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, ANSWER.length);
      try (OutputStream out = exchange.getResponseBody()) {
        out.write(ANSWER);
      }
    });
    server.start();
  }

  String tokenUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
  }

  /** Most requests that arrived within any one-second window. */
  int busiestSecond() {
    List<Long> sorted = new ArrayList<>(arrivals);
    Collections.sort(sorted);
    int worst = 0;
    for (int i = 0, j = 0; i < sorted.size(); i++) {
      while (sorted.get(i) - sorted.get(j) >= 1000) {
        j++;
      }
      worst = Math.max(worst, i - j + 1);
    }
    return worst;
  }

  int requests() {
    return arrivals.size();
  }

  void reset() {
    arrivals.clear();
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
