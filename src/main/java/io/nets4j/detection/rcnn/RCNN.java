package io.nets4j.detection.rcnn;

import io.nets4j.detection.RoiOps;
import io.nets4j.nn.F;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * R-CNN (Girshick et al. 2014, "Rich feature hierarchies for accurate object detection and semantic
 * segmentation"): every selective-search proposal is dilated for context, warped to a fixed square
 * and classified by a CNN on its own; class-specific linear box regressors on the CNN features
 * refine the boxes (appendix C), and per-class NMS removes duplicates.
 *
 * <p>Departures from the paper, for size: the CNN is a small {@link ConvBackbone} trained from
 * scratch instead of a fine-tuned ImageNet AlexNet; its softmax scores the classes (the paper's
 * appendix compares this with its per-class SVMs); and the box regressors are trained by the same
 * SGD, on the fc7 features with gradients stopped at them, instead of ridge regression on pool5.
 * The warp is bilinear (RoI Align of the whole dilated region onto {@code warp x warp}); outside the
 * image it reads zero, the normalised mean, as the paper pads with the image mean.
 */
public final class RCNN extends RegionDetector {
  /** The paper's context padding: 16 pixels around the region at its warp size of 227. */
  static final double PAPER_PADDING = 16;
  static final double PAPER_WARP = 227;
  /** Regions warped and classified at once at test time (bounds memory). */
  private static final int CHUNK = 256;

  private final int warp;
  private final ConvBackbone features;
  private final RegionHead head;

  /** @param warp side of the square every region is warped to (227 in the paper) */
  public RCNN(Config config, int warp) {
    super(config);
    this.features = register("features", new ConvBackbone(config.widths()));
    if (warp < 2 * features.stride()) {
      throw new IllegalArgumentException("warp size " + warp + " is too small for a backbone of stride "
          + features.stride());
    }
    this.warp = warp;
    int cells = warp / features.stride() / 2;
    this.head = register("roi_heads", new RegionHead(features.outChannels() * cells * cells, config.representation(),
        config.numClasses()));
  }

  public int warp() {
    return warp;
  }

  /** Context padding at this warp size: the paper's 16 px at 227, scaled. */
  public double contextPadding() {
    return PAPER_PADDING * warp / PAPER_WARP;
  }

  @Override
  public RegionSampler sampler() {
    return RegionSampler.RCNN;
  }

  /** 128 regions per step as in the paper, drawn from 8 images (the paper draws from all images). */
  @Override
  public int imagesPerStep() {
    return 8;
  }

  @Override
  public int regionsPerImage() {
    return 16;
  }

  /**
   * The regions enlarged about their centres so that, once warped, {@link #contextPadding()}
   * pixels of context surround the original region on every side.
   */
  Tensor dilate(Tensor boxes) {
    double scale = warp / (warp - 2 * contextPadding());
    Tensor centre = boxes.narrow(1, 0, 2).add(boxes.narrow(1, 2, 2)).mul(new Scalar(0.5));
    Tensor half = boxes.narrow(1, 2, 2).sub(boxes.narrow(1, 0, 2)).mul(new Scalar(0.5 * scale));
    return Tensors.cat(List.of(centre.sub(half), centre.add(half)), 1);
  }

  /** The warped regions {@code [K, 3, warp, warp]} of normalised images. */
  Tensor warpRegions(Tensor images, List<Tensor> regions) {
    List<Tensor> dilated = new ArrayList<>();
    for (Tensor r : regions) {
      dilated.add(dilate(r));
    }
    return RoiOps.roiAlign(images, RoiOps.toRois(dilated), warp, warp, 1.0, 0, true);
  }

  @Override
  protected RegionHead.Scores score(Tensor images, List<Tensor> regions) {
    Tensor warped = warpRegions(images, regions);
    List<Tensor> logits = new ArrayList<>();
    List<Tensor> deltas = new ArrayList<>();
    long k = warped.size(0);
    for (long start = 0; start < k; start += CHUNK) {
      Tensor x = warped.narrow(0, start, Math.min(CHUNK, k - start));
      // pool5: a last 2x2 max pooling, as AlexNet's before its fully connected layers. The
      // regressors read the features with gradients stopped (trained apart from the CNN, appendix C).
      RegionHead.Scores s = head.forward(F.maxPool2d(features.forward(x), 2, 2, 0, false), true);
      logits.add(s.logits());
      deltas.add(s.deltas());
    }
    return new RegionHead.Scores(cat(logits), cat(deltas));
  }
}
