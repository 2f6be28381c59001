package io.nets4j.segmentation;

/**
 * Options every registered segmentation model accepts.
 *
 * @param numClasses classes of the per-pixel output (21 for Pascal VOC: background and 20 objects)
 * @param inChannels channels of the input image
 * @param auxLoss whether to add the auxiliary head (torchvision FCN: on {@code layer3}); its map is
 *     returned as {@code "aux"} by {@link SegmentationModel#forwardOutputs}
 * @param width channel multiplier of the backbone (1 = the published widths; narrower networks
 *     train on a CPU); only models built from scratch support another width
 * @param learnableUpsampling whether transposed-convolution upsampling layers (initialised to
 *     bilinear interpolation) are trained, or stay frozen
 * @param batchNorm VGG-16 FCNs: batch norm after every backbone convolution ({@code bnS_I} after
 *     {@code convS_I}, as in VGG-16-BN). Not in the paper, whose network starts from ImageNet
 *     weights; it lets a narrow network train from scratch. The ResNet FCNs always have it.
 */
public record SegmentationOptions(int numClasses, int inChannels, boolean auxLoss, double width,
    boolean learnableUpsampling, boolean batchNorm) {
  public static final int VOC_CLASSES = 21;

  public SegmentationOptions {
    if (numClasses < 1) {
      throw new IllegalArgumentException("numClasses must be >= 1, got " + numClasses);
    }
    if (inChannels < 1) {
      throw new IllegalArgumentException("inChannels must be >= 1, got " + inChannels);
    }
    if (!(width > 0) || width > 1) {
      throw new IllegalArgumentException("width must be in (0, 1], got " + width);
    }
  }

  /** 21 Pascal VOC classes, RGB input, no auxiliary head, full width, frozen bilinear upsampling, no added batch norm. */
  public static SegmentationOptions defaults() {
    return new SegmentationOptions(VOC_CLASSES, 3, false, 1, false, false);
  }

  public SegmentationOptions withNumClasses(int n) {
    return new SegmentationOptions(n, inChannels, auxLoss, width, learnableUpsampling, batchNorm);
  }

  public SegmentationOptions withInChannels(int c) {
    return new SegmentationOptions(numClasses, c, auxLoss, width, learnableUpsampling, batchNorm);
  }

  public SegmentationOptions withAuxLoss(boolean aux) {
    return new SegmentationOptions(numClasses, inChannels, aux, width, learnableUpsampling, batchNorm);
  }

  public SegmentationOptions withWidth(double w) {
    return new SegmentationOptions(numClasses, inChannels, auxLoss, w, learnableUpsampling, batchNorm);
  }

  public SegmentationOptions withLearnableUpsampling(boolean on) {
    return new SegmentationOptions(numClasses, inChannels, auxLoss, width, on, batchNorm);
  }

  public SegmentationOptions withBatchNorm(boolean on) {
    return new SegmentationOptions(numClasses, inChannels, auxLoss, width, learnableUpsampling, on);
  }

  /** {@code channels} scaled by {@link #width}, at least 1. */
  int scaled(int channels) {
    return Math.max(1, (int) Math.round(channels * width));
  }
}
