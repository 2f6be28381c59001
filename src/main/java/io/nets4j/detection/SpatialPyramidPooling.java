package io.nets4j.detection;

import io.nets4j.nn.F;
import io.nets4j.nn.Layer;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * Spatial pyramid pooling (He et al. 2014, "Spatial Pyramid Pooling in Deep Convolutional Networks
 * for Visual Recognition"): max pooling of the map into {@code n x n} bins for each pyramid level,
 * flattened and concatenated, so any input size gives a {@code C * sum(n^2)} vector. Bins are those
 * of adaptive max pooling, which also covers maps smaller than the finest level.
 */
public final class SpatialPyramidPooling extends Layer {
  private final int[] levels;

  /** @param levels bins per side of each level, e.g. {@code 1, 2, 4} */
  public SpatialPyramidPooling(int... levels) {
    if (levels.length == 0) {
      throw new IllegalArgumentException("spatial pyramid pooling needs at least one level");
    }
    for (int n : levels) {
      if (n <= 0) {
        throw new IllegalArgumentException("pyramid levels must be positive, got " + n);
      }
    }
    this.levels = levels.clone();
  }

  /** Length of the output vector for {@code channels} input channels. */
  public long outputLength(long channels) {
    long bins = 0;
    for (int n : levels) {
      bins += (long) n * n;
    }
    return channels * bins;
  }

  @Override
  protected Tensor compute(Tensor x) {
    if (x.dim() != 4) {
      throw fail("expected [N, C, H, W] input, got " + Tensors.describe(x));
    }
    List<Tensor> parts = new ArrayList<>();
    for (int n : levels) {
      parts.add(F.flatten(F.adaptiveMaxPool2d(x, n, n), 1));
    }
    return Tensors.cat(parts, 1);
  }
}
