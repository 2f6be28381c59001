package io.nets4j.detection;

import io.nets4j.nn.F;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * Input and output handling of torchvision's R-CNN models ({@code GeneralizedRCNNTransform}),
 * inference path: each image is normalised per channel, resized bilinearly so that its short side
 * is {@code minSize} unless its long side would exceed {@code maxSize} (scale computed in float32,
 * as torchvision), and the batch is zero-padded at the bottom right to a multiple of
 * {@code sizeDivisible}. {@link #postprocess} maps boxes back to the original image frame.
 */
public final class GeneralizedRCNNTransform {
  /** A padded batch {@code [N, 3, H, W]} and the resized size {@code [h, w]} of each image. */
  public record ImageBatch(Tensor tensors, long[][] imageSizes) {
  }

  private final int minSize;
  private final int maxSize;
  private final double[] mean;
  private final double[] std;
  private final int sizeDivisible;

  public GeneralizedRCNNTransform(int minSize, int maxSize, double[] mean, double[] std, int sizeDivisible) {
    if (mean.length != std.length) {
      throw new IllegalArgumentException("image mean has " + mean.length + " channels but std " + std.length);
    }
    this.minSize = minSize;
    this.maxSize = maxSize;
    this.mean = mean.clone();
    this.std = std.clone();
    this.sizeDivisible = sizeDivisible;
  }

  /** ImageNet statistics and torchvision's padding to multiples of 32. */
  public static GeneralizedRCNNTransform imagenet(int minSize, int maxSize) {
    return new GeneralizedRCNNTransform(minSize, maxSize, new double[] {0.485, 0.456, 0.406},
        new double[] {0.229, 0.224, 0.225}, 32);
  }

  /** Normalises, resizes and batches images {@code [C, H, W]} (values in [0, 1]). */
  public ImageBatch apply(List<Tensor> images) {
    if (images.isEmpty()) {
      throw new IllegalArgumentException("no images to detect in");
    }
    List<Tensor> resized = new ArrayList<>();
    long[][] sizes = new long[images.size()][];
    long maxH = 0;
    long maxW = 0;
    for (int i = 0; i < images.size(); i++) {
      Tensor img = images.get(i);
      if (img.dim() != 3 || img.size(0) != mean.length) {
        throw new IllegalArgumentException("image " + i + " must be [" + mean.length + ", H, W], got "
            + Tensors.describe(img));
      }
      Tensor r = resize(normalize(img));
      resized.add(r);
      sizes[i] = new long[] {r.size(1), r.size(2)};
      maxH = Math.max(maxH, sizes[i][0]);
      maxW = Math.max(maxW, sizes[i][1]);
    }
    long h = (long) Math.ceil((double) maxH / sizeDivisible) * sizeDivisible;
    long w = (long) Math.ceil((double) maxW / sizeDivisible) * sizeDivisible;
    Tensor batch = resized.get(0).new_zeros(images.size(), mean.length, h, w);
    for (int i = 0; i < resized.size(); i++) {
      batch.select(0, i).narrow(1, 0, sizes[i][0]).narrow(2, 0, sizes[i][1]).copy_(resized.get(i));
    }
    return new ImageBatch(batch, sizes);
  }

  private Tensor normalize(Tensor img) {
    Tensor m = Tensors.fromDoubles(mean, mean.length, 1, 1).to(img.scalar_type());
    Tensor s = Tensors.fromDoubles(std, std.length, 1, 1).to(img.scalar_type());
    return img.sub(m).div(s);
  }

  private Tensor resize(Tensor img) {
    long h = img.size(1);
    long w = img.size(2);
    float shortSide = Math.min(h, w);
    float longSide = Math.max(h, w);
    double scale = Math.min((float) minSize / shortSide, (float) maxSize / longSide);
    int outH = (int) Math.floor(h * scale);
    int outW = (int) Math.floor(w * scale);
    return F.interpolate(img.unsqueeze(0), outH, outW, "bilinear", false).select(0, 0);
  }

  /** Maps ground-truth boxes {@code [K, 4]} from an image's {@code original [h, w]} frame to its {@code resized} one. */
  public static Tensor resizeBoxes(Tensor boxes, long[] original, long[] resized) {
    double ratioH = (float) resized[0] / (float) original[0];
    double ratioW = (float) resized[1] / (float) original[1];
    Tensor scale = Tensors.fromDoubles(new double[] {ratioW, ratioH, ratioW, ratioH}, 1, 4)
        .to(boxes.device(), boxes.scalar_type());
    return boxes.mul(scale);
  }

  /** Maps detection boxes from the resized frame {@code resized [h, w]} back to {@code original [h, w]}. */
  public static Detections postprocess(Detections d, long[] resized, long[] original) {
    double ratioH = (float) original[0] / (float) resized[0];
    double ratioW = (float) original[1] / (float) resized[1];
    Tensor b = d.boxes();
    Tensor x1 = b.select(1, 0).mul(new org.bytedeco.pytorch.Scalar(ratioW));
    Tensor y1 = b.select(1, 1).mul(new org.bytedeco.pytorch.Scalar(ratioH));
    Tensor x2 = b.select(1, 2).mul(new org.bytedeco.pytorch.Scalar(ratioW));
    Tensor y2 = b.select(1, 3).mul(new org.bytedeco.pytorch.Scalar(ratioH));
    Tensor boxes = org.bytedeco.pytorch.global.torch.stack(new org.bytedeco.pytorch.TensorVector(x1, y1, x2, y2), 1);
    return new Detections(boxes, d.scores(), d.labels());
  }
}
