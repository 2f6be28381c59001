package io.nets4j.visual;

import io.nets4j.tensor.Tensors;
import java.util.List;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * Attention rollout (Abnar and Zuidema 2020, "Quantifying Attention Flow in Transformers"): the
 * flow of attention from the output tokens back to the input tokens through all layers. Each
 * layer's map is averaged over heads, the identity is added (for the residual connection) and rows
 * are renormalised to sum to 1; the layers' matrices are multiplied, the last layer on the left.
 *
 * <p>Maps are plain {@code double[query][key]} matrices. When a layer has one token more than the
 * previous one (ConViT prepends the class token after its GPSA blocks), the class token enters
 * there: the flow so far is extended with a class token that attends only to itself, because its
 * initial embedding is a parameter and carries no image information.
 */
public final class AttentionRollout {
  private AttentionRollout() {}

  /**
   * The head-averaged map of the first image of a recorded attention map {@code [N, heads, Tq, Tk]}.
   *
   * @throws IllegalArgumentException if the map does not have 4 dimensions
   */
  public static double[][] headMean(Tensor map) {
    long[] shape = Tensors.shape(map);
    if (shape.length != 4) {
      throw new IllegalArgumentException("expected an attention map [N, heads, Tq, Tk], got " + Tensors.describe(shape));
    }
    int tq = (int) shape[2];
    int tk = (int) shape[3];
    double[] mean = Tensors.toDoubleArray(map.select(0, 0).mean(new long[] {0}, false, new ScalarTypeOptional()));
    double[][] out = new double[tq][tk];
    for (int i = 0; i < tq; i++) {
      System.arraycopy(mean, i * tk, out[i], 0, tk);
    }
    return out;
  }

  /**
   * The rollout of head-averaged square maps in layer order: {@code R = Â_L ... Â_1} with
   * {@code Â = rownorm(A + I)}.
   *
   * @throws IllegalArgumentException if there is no layer, a map is not square, or a layer's token
   *     count is neither that of the previous layer nor one more
   */
  public static double[][] rollout(List<double[][]> layers) {
    if (layers.isEmpty()) {
      throw new IllegalArgumentException("attention rollout needs at least one layer");
    }
    double[][] flow = null;
    for (int l = 0; l < layers.size(); l++) {
      double[][] a = layers.get(l);
      int t = a.length;
      if (t == 0 || a[0].length != t) {
        throw new IllegalArgumentException("attention rollout needs square maps; layer " + l + " is " + t + "x"
            + (t == 0 ? 0 : a[0].length) + " (queries x keys); use the last layer's map (method last) instead");
      }
      double[][] step = withResidual(a);
      if (flow == null) {
        flow = step;
        continue;
      }
      if (t == flow.length + 1) {
        flow = prependClassToken(flow);
      } else if (t != flow.length) {
        throw new IllegalArgumentException("layer " + l + " has " + t + " tokens after a layer with " + flow.length);
      }
      flow = multiply(step, flow);
    }
    return flow;
  }

  /** {@code rownorm(a + I)}. */
  static double[][] withResidual(double[][] a) {
    int t = a.length;
    double[][] out = new double[t][t];
    for (int i = 0; i < t; i++) {
      double sum = 0;
      for (int j = 0; j < t; j++) {
        out[i][j] = a[i][j] + (i == j ? 1 : 0);
        sum += out[i][j];
      }
      for (int j = 0; j < t; j++) {
        out[i][j] /= sum;
      }
    }
    return out;
  }

  private static double[][] prependClassToken(double[][] flow) {
    int t = flow.length;
    double[][] out = new double[t + 1][t + 1];
    out[0][0] = 1;
    for (int i = 0; i < t; i++) {
      System.arraycopy(flow[i], 0, out[i + 1], 1, t);
    }
    return out;
  }

  static double[][] multiply(double[][] a, double[][] b) {
    int n = a.length;
    int k = b.length;
    int m = b[0].length;
    double[][] out = new double[n][m];
    for (int i = 0; i < n; i++) {
      for (int p = 0; p < k; p++) {
        double v = a[i][p];
        if (v == 0) {
          continue;
        }
        for (int j = 0; j < m; j++) {
          out[i][j] += v * b[p][j];
        }
      }
    }
    return out;
  }

  /**
   * Row 0 (the class token) of a map or rollout, without column 0: the class token's attention to
   * the patches, in the patches' (row-major) order.
   */
  public static double[] classTokenToPatches(double[][] map) {
    double[] row = map[0];
    double[] out = new double[row.length - 1];
    System.arraycopy(row, 1, out, 0, out.length);
    return out;
  }
}
