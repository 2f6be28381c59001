package io.nets4j.detection.rcnn;

import io.nets4j.detection.RoiOps;
import io.nets4j.detection.SpatialPyramidPooling;
import io.nets4j.nn.F;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Fast R-CNN (Girshick 2015, "Fast R-CNN") and SPPNet (He et al. 2014, "Spatial Pyramid Pooling in
 * Deep Convolutional Networks for Visual Recognition"): the CNN runs once per image, each
 * selective-search proposal is pooled from the shared feature map into a fixed-size vector, and
 * fully connected layers give class scores and class-specific box deltas, trained jointly with the
 * multi-task loss (log loss + smooth L1, lambda 1) on 64 sampled RoIs per image, 2 images per step.
 *
 * <p>{@link Pooling#ROI_MAX} is Fast R-CNN's 7x7 RoI max pooling; {@link Pooling#SPP} is SPPNet's
 * pyramid (1x1, 2x2, 4x4 bins) over the feature window of the region. SPPNet itself fine-tuned only
 * the fully connected layers of a pre-trained network; here both variants train the whole small
 * {@link ConvBackbone} from scratch, so they differ only in the pooling.
 */
public final class FastRCNN extends RegionDetector {
  /** How a region becomes a fixed-length vector. */
  public enum Pooling {
    /** Fast R-CNN: RoI max pooling into 7 x 7 bins. */
    ROI_MAX,
    /** SPPNet: spatial pyramid pooling with 1x1, 2x2 and 4x4 bins. */
    SPP
  }

  private static final int ROI_SIZE = 7;
  private static final int[] PYRAMID = {1, 2, 4};

  private final Pooling pooling;
  private final ConvBackbone features;
  private final RegionHead head;

  public FastRCNN(Config config, Pooling pooling) {
    super(config);
    this.pooling = pooling;
    this.features = register("features", new ConvBackbone(config.widths()));
    long pooled = pooling == Pooling.ROI_MAX
        ? (long) features.outChannels() * ROI_SIZE * ROI_SIZE
        : new SpatialPyramidPooling(PYRAMID).outputLength(features.outChannels());
    this.head = register("roi_heads", new RegionHead((int) pooled, config.representation(), config.numClasses()));
  }

  public Pooling pooling() {
    return pooling;
  }

  @Override
  public RegionSampler sampler() {
    return RegionSampler.FAST_RCNN;
  }

  @Override
  public int imagesPerStep() {
    return 2;
  }

  @Override
  public int regionsPerImage() {
    return 64;
  }

  /** The pooled regions: {@code [K, C, 7, 7]} (RoI max) or {@code [K, 21 C]} (SPP). */
  Tensor pool(Tensor featureMap, List<Tensor> regions) {
    double scale = 1.0 / features.stride();
    Tensor rois = RoiOps.toRois(regions);
    if (pooling == Pooling.ROI_MAX) {
      return RoiOps.roiPool(featureMap, rois, ROI_SIZE, ROI_SIZE, scale);
    }
    return sppPool(featureMap, rois, scale);
  }

  /**
   * SPPNet's pooling: the region is projected onto the feature map (the cells its corners fall in,
   * at least one cell) and {@link SpatialPyramidPooling} pools that window. As adaptive max pooling
   * of a window uses exactly the bins of RoI max pooling of the same window, each level is computed
   * for all regions at once by {@link RoiOps#roiPool} on the windows (the result equals the layer
   * applied window by window, see the tests) instead of one small op per region.
   */
  Tensor sppPool(Tensor featureMap, Tensor rois, double scale) {
    double[] r = Tensors.toDoubleArray(rois.cpu().to(torch.ScalarType.Double).contiguous());
    long height = featureMap.size(2);
    long width = featureMap.size(3);
    int k = (int) rois.size(0);
    double[] cells = new double[5 * k];
    for (int i = 0; i < k; i++) {
      long x1 = clamp((long) Math.floor(r[5 * i + 1] * scale), width - 1);
      long y1 = clamp((long) Math.floor(r[5 * i + 2] * scale), height - 1);
      long x2 = Math.max(x1 + 1, clamp((long) Math.ceil(r[5 * i + 3] * scale), width));
      long y2 = Math.max(y1 + 1, clamp((long) Math.ceil(r[5 * i + 4] * scale), height));
      // RoI pooling takes inclusive cell corners.
      double[] row = {r[5 * i], x1, y1, x2 - 1, y2 - 1};
      System.arraycopy(row, 0, cells, 5 * i, 5);
    }
    Tensor windows = Tensors.fromDoubles(cells, k, 5);
    List<Tensor> levels = new ArrayList<>();
    for (int n : PYRAMID) {
      levels.add(F.flatten(RoiOps.roiPool(featureMap, windows, n, n, 1.0), 1));
    }
    return Tensors.cat(levels, 1);
  }

  private static long clamp(long v, long max) {
    return Math.max(0, Math.min(max, v));
  }

  @Override
  protected RegionHead.Scores score(Tensor images, List<Tensor> regions) {
    return head.forward(pool(features.forward(images), regions), false);
  }
}
