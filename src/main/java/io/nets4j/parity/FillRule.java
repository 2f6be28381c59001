package io.nets4j.parity;

import io.nets4j.tensor.Tensors;
import java.nio.charset.StandardCharsets;
import org.bytedeco.pytorch.Tensor;

/**
 * The deterministic weight fill of the reference fixtures ({@code shared/fixtures/README.md}):
 * every tensor's values follow from its state_dict key alone, through an FNV-1a seed and a
 * SplitMix64 stream of uniforms in [0, 1), scaled by a rule chosen from the key's suffix.
 */
public final class FillRule {
  private static final long FNV_OFFSET = 0xCBF29CE484222325L;
  private static final long FNV_PRIME = 0x100000001B3L;
  private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

  private FillRule() {}

  /** FNV-1a 64-bit hash of the key's UTF-8 bytes. */
  public static long fnv1a64(String key) {
    long h = FNV_OFFSET;
    for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
      h = (h ^ (b & 0xFF)) * FNV_PRIME;
    }
    return h;
  }

  /** The i-th uniform (0-based) of the stream seeded by {@code seed}. */
  static double uniform(long seed, long i) {
    long z = seed + (i + 1) * GOLDEN_GAMMA;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    z = z ^ (z >>> 31);
    return (z >>> 11) * 0x1.0p-53;
  }

  /** The first {@code n} uniforms of the stream of {@code key}. */
  public static double[] uniforms(String key, int n) {
    long seed = fnv1a64(key);
    double[] u = new double[n];
    for (int i = 0; i < n; i++) {
      u[i] = uniform(seed, i);
    }
    return u;
  }

  /** The float32 values of the entry {@code key} of shape {@code shape}, by the rule of its suffix. */
  public static float[] values(String key, long[] shape) {
    int n = Math.toIntExact(Tensors.numel(shape));
    long seed = fnv1a64(key);
    float[] out = new float[n];
    if (key.endsWith("running_var")) {
      for (int i = 0; i < n; i++) {
        out[i] = (float) (0.5 + uniform(seed, i));
      }
    } else if (key.endsWith("weight") && shape.length >= 2) {
      long fanIn = 1;
      for (int d = 1; d < shape.length; d++) {
        fanIn *= shape[d];
      }
      double bound = Math.sqrt(6) / Math.sqrt(fanIn);
      for (int i = 0; i < n; i++) {
        out[i] = (float) ((2 * uniform(seed, i) - 1) * bound);
      }
    } else if (key.endsWith("weight")) {
      for (int i = 0; i < n; i++) {
        out[i] = (float) (1 + (2 * uniform(seed, i) - 1) * 0.1);
      }
    } else {
      // running_mean and "anything else" share the rule (2u - 1) * 0.1
      for (int i = 0; i < n; i++) {
        out[i] = (float) ((2 * uniform(seed, i) - 1) * 0.1);
      }
    }
    return out;
  }

  /** A float32 tensor filled for {@code key}. */
  public static Tensor tensor(String key, long[] shape) {
    return Tensors.fromFloats(values(key, shape), shape);
  }

  /** The fixture input of {@code shape}: the stream of {@code "input"}, value {@code 2u - 1}, float32. */
  public static Tensor input(long[] shape) {
    int n = Math.toIntExact(Tensors.numel(shape));
    long seed = fnv1a64("input");
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) (2 * uniform(seed, i) - 1);
    }
    return Tensors.fromFloats(out, shape);
  }
}
