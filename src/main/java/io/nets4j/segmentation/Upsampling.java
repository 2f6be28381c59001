package io.nets4j.segmentation;

import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/** Initialisation of transposed convolutions as upsampling filters (Long et al. 2015, section 3.3). */
public final class Upsampling {
  private Upsampling() {}

  /**
   * Fills a transposed-convolution weight {@code [C, C, k, k]} so that each channel is upsampled
   * by bilinear interpolation on its own: the separable tent filter on the diagonal, zero
   * elsewhere. With stride {@code f} and kernel {@code 2f} it interpolates between the input's
   * pixel centres as {@code F.interpolate(..., "bilinear", align_corners=False)} does away from
   * the borders.
   */
  public static Tensor fillBilinear(Tensor weight) {
    long[] shape = Tensors.shape(weight);
    if (shape.length != 4 || shape[0] != shape[1] || shape[2] != shape[3]) {
      throw new IllegalArgumentException("bilinear upsampling needs a weight [C, C, k, k], got "
          + Tensors.describe(shape));
    }
    int channels = (int) shape[0];
    int k = (int) shape[2];
    int factor = (k + 1) / 2;
    double centre = k % 2 == 1 ? factor - 1 : factor - 0.5;
    double[] values = new double[channels * channels * k * k];
    for (int c = 0; c < channels; c++) {
      for (int i = 0; i < k; i++) {
        for (int j = 0; j < k; j++) {
          double v = (1 - Math.abs(i - centre) / factor) * (1 - Math.abs(j - centre) / factor);
          values[((c * channels + c) * k + i) * k + j] = v;
        }
      }
    }
    if (weight.device().is_meta()) {
      return weight;
    }
    try (NoGradGuard g = new NoGradGuard()) {
      weight.copy_(Tensors.fromDoubles(values, shape).to(Tensors.dtype(weight).scalarType()));
    }
    return weight;
  }
}
