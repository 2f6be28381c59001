package io.nets4j.detection;

import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * RoI Align over a feature pyramid, as torchvision's {@code MultiScaleRoIAlign}: each box is pooled
 * from level {@code k = floor(4 + log2(sqrt(area) / 224) + 1e-6)}, clamped to the pyramid (Lin et
 * al. 2017, FPN, eq. 1); level scales are inferred as the powers of two nearest to
 * {@code feature size / largest image size}.
 */
public final class MultiScaleRoIAlign {
  private static final double CANONICAL_SCALE = 224;
  private static final double CANONICAL_LEVEL = 4;
  private static final double EPS = 1e-6;

  private final int outputSize;
  private final int samplingRatio;

  public MultiScaleRoIAlign(int outputSize, int samplingRatio) {
    this.outputSize = outputSize;
    this.samplingRatio = samplingRatio;
  }

  /**
   * @param features pyramid levels, finest first (only those to pool from)
   * @param boxes boxes {@code [K_i, 4]} of each image
   * @param imageSizes unpadded {@code [h, w]} of each image
   * @return {@code [sum K_i, C, outputSize, outputSize]}
   */
  public Tensor forward(List<Tensor> features, List<Tensor> boxes, long[][] imageSizes) {
    long maxH = 0;
    long maxW = 0;
    for (long[] s : imageSizes) {
      maxH = Math.max(maxH, s[0]);
      maxW = Math.max(maxW, s[1]);
    }
    double[] scales = new double[features.size()];
    for (int l = 0; l < scales.length; l++) {
      scales[l] = inferScale(features.get(l).size(2), maxH);
    }
    Tensor rois = RoiOps.toRois(boxes);
    if (scales.length == 1) {
      return RoiOps.roiAlign(features.get(0), rois, outputSize, outputSize, scales[0], samplingRatio, false);
    }
    int kMin = (int) (float) -log2((float) scales[0]);
    int kMax = (int) (float) -log2((float) scales[scales.length - 1]);
    Tensor all = rois.narrow(1, 1, 4);
    Tensor s = BoxOps.area(all).sqrt();
    Tensor levels = s.div(new Scalar(CANONICAL_SCALE)).log2().add(new Scalar(CANONICAL_LEVEL))
        .add(new Scalar(EPS)).floor()
        .clamp(new org.bytedeco.pytorch.ScalarOptional(new Scalar((double) kMin)),
            new org.bytedeco.pytorch.ScalarOptional(new Scalar((double) kMax)))
        .to(torch.ScalarType.Long).sub(new Scalar((long) kMin));
    Tensor first = features.get(0);
    Tensor result = first.new_zeros(rois.size(0), first.size(1), outputSize, outputSize);
    for (int l = 0; l < scales.length; l++) {
      Tensor idx = levels.eq(new Scalar((long) l)).nonzero().select(1, 0);
      if (idx.size(0) == 0) {
        continue;
      }
      Tensor pooled = RoiOps.roiAlign(features.get(l), rois.index_select(0, idx), outputSize, outputSize,
          scales[l], samplingRatio, false);
      result = result.index_copy(0, idx, pooled);
    }
    return result;
  }

  private static double log2(float v) {
    return (float) (Math.log(v) / Math.log(2));
  }

  // torchvision rounds log2(size ratio) in float32 to the nearest integer.
  private static double inferScale(long featureSize, long imageSize) {
    float approx = (float) ((double) featureSize / (double) imageSize);
    double exponent = Math.rint(log2(approx));
    return Math.pow(2, exponent);
  }
}
