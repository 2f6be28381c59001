package io.nets4j.layers;

import io.nets4j.nn.Init;
import io.nets4j.nn.Module;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * A learned relative-position bias over a {@code size x size} grid of tokens (Shaw et al. 2018;
 * Swin, CoAtNet): one score per head for each offset {@code (dy, dx)}, kept in
 * {@code relative_position_bias_table [(2s-1)^2, heads]} and looked up for every pair of positions
 * by the int64 {@code relative_position_index}. As a module this is timm's {@code RelPosBias}
 * (the index not persistent); Swin keeps the two tensors on its attention module and shares
 * {@link #index} and {@link #lookup}.
 */
public final class RelativePositionBias extends Module {
  private final int size;
  private final Tensor table;
  private final Tensor index;

  public RelativePositionBias(int size, int heads) {
    this.size = size;
    table = registerParameter("relative_position_bias_table", table(size, heads));
    index = registerBuffer("relative_position_index", index(size), false);
  }

  /** A truncated-normal (std 0.02) table {@code [(2s-1)^2, heads]}. */
  public static Tensor table(int size, int heads) {
    long span = 2L * size - 1;
    return Init.truncNormal(Tensors.empty(DType.FLOAT32, span * span, heads), 0.02, -2, 2);
  }

  /**
   * For every pair (i, j) of positions of the grid (row-major), the table row of their offset:
   * {@code (dy + s - 1) * (2s - 1) + (dx + s - 1)}, flattened to {@code [s^4]}.
   */
  public static Tensor index(int size) {
    int n = size * size;
    long[] index = new long[n * n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        int dy = i / size - j / size;
        int dx = i % size - j % size;
        index[i * n + j] = (long) (dy + size - 1) * (2 * size - 1) + (dx + size - 1);
      }
    }
    return Tensors.fromLongs(index);
  }

  /** The bias {@code [heads, s*s, s*s]} of {@code table} for the pairs of {@code index}. */
  public static Tensor lookup(Tensor table, Tensor index, int size) {
    long n = (long) size * size;
    return table.index_select(0, index).view(n, n, table.size(1)).permute(2, 0, 1).contiguous();
  }

  /** The additive bias {@code [1, heads, s*s, s*s]}. */
  public Tensor bias() {
    return lookup(table, index, size).unsqueeze(0);
  }

  @Override
  public String typeName() {
    return "RelPosBias";
  }
}
