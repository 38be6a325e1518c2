package io.tokenwarden.bench;

import java.util.Arrays;

/** Percentiles of a sample, nearest-rank. */
record Stats(long count, long p50, long p99, long max) {

  static Stats of(long[] values) {
    if (values.length == 0) {
      return new Stats(0, 0, 0, 0);
    }
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return new Stats(sorted.length, rank(sorted, 0.50), rank(sorted, 0.99), sorted[sorted.length - 1]);
  }

  private static long rank(long[] sorted, double q) {
    int i = (int) Math.ceil(q * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }
}
