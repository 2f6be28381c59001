package io.nets4j.data;

import java.util.SplittableRandom;

/**
 * Derives independent random streams from a seed and coordinates such as (epoch, index), so a
 * sample's randomness depends only on where it is, not on which thread draws it or in what order.
 */
final class Seeds {
  private Seeds() {}

  /** A well-mixed 64-bit value of {@code seed} and {@code parts}. */
  static long mix(long seed, long... parts) {
    long h = mix64(seed ^ 0x6A09E667F3BCC909L);
    for (long p : parts) {
      h = mix64(h + 0x9E3779B97F4A7C15L + p);
    }
    return h;
  }

  static SplittableRandom random(long seed, long... parts) {
    return new SplittableRandom(mix(seed, parts));
  }

  /**
   * {@code 0 .. n-1} in the order of a Fisher-Yates shuffle drawn from {@code random} (or in order
   * without one).
   */
  static int[] order(int n, SplittableRandom random) {
    int[] order = new int[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    if (random != null) {
      for (int i = n - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
      }
    }
    return order;
  }

  // Stafford's variant 13 of the SplitMix64 finaliser: every input bit affects every output bit.
  private static long mix64(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
