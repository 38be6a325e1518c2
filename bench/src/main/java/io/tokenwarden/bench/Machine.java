package io.tokenwarden.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** What the numbers were measured on. */
record Machine(int cores, long memoryMb, String jvm, String os, String load) {

  static Machine describe() {
    return new Machine(Runtime.getRuntime().availableProcessors(), totalMemoryMb(),
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version") + ", max heap "
            + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MB",
        System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
        loadAverage());
  }

  /** The 1, 5 and 15 minute load averages, as {@code uptime} shows them. */
  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + ", " + f[1] + ", " + f[2];
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static long totalMemoryMb() {
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc/meminfo"));
      for (String line : lines) {
        if (line.startsWith("MemTotal:")) {
          return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux: fall through.
    }
    return -1;
  }

  /** Resident set size of a process in MB, from {@code /proc}; -1 where unknown. */
  static long rssMb(long pid) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("\\D", "")) / 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // Not Linux, or the process is gone.
    }
    return -1;
  }

  /** {@code MEM <heap bytes used after GC> <committed>}, a child JVM's answer to {@code MEM}. */
  static String heapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    var heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
    return "MEM " + heap.getUsed() + " " + heap.getCommitted();
  }

  /** User and system CPU time of a process in clock ticks (1/100 s on Linux), from {@code /proc}; -1 where unknown. */
  static long cpuTicks(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      // The command name may hold spaces; fields count from after its closing parenthesis.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * Waits until this process has used less than {@code share} of the machine's CPU for two seconds in a row,
   * or until {@code max} has passed, and returns how long it waited in ms. Background work left by a bulk load
   * (RocksDB compaction, the broker's log cleaner) would otherwise be billed to the timers measured next.
   */
  static long awaitQuiet(double share, Duration max) throws InterruptedException {
    if (!(ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os)) {
      return 0;
    }
    int cores = Runtime.getRuntime().availableProcessors();
    long started = System.nanoTime();
    int quietWindows = 0;
    long cpu = os.getProcessCpuTime();
    long wall = System.nanoTime();
    while (quietWindows < 4 && System.nanoTime() - started < max.toNanos()) {
      Thread.sleep(500);
      long cpuNow = os.getProcessCpuTime();
      long wallNow = System.nanoTime();
      double used = (cpuNow - cpu) / (double) ((wallNow - wall) * cores);
      quietWindows = used < share ? quietWindows + 1 : 0;
      cpu = cpuNow;
      wall = wallNow;
    }
    return (System.nanoTime() - started) / 1_000_000;
  }
}
