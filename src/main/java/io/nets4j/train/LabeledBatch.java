package io.nets4j.train;

import io.nets4j.tensor.Device;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * A batch of training or evaluation data.
 *
 * @param images float images {@code [N, C, H, W]}
 * @param labels class indices {@code [N]} (int64), or class probabilities {@code [N, classes]}
 *     (float) for soft targets such as mixup and cutmix
 */
public record LabeledBatch(Tensor images, Tensor labels) {
  public LabeledBatch {
    if (images.dim() != 4) {
      throw new IllegalArgumentException("batch images must be [N, C, H, W], got " + Tensors.describe(images));
    }
    boolean hard = labels.dim() == 1 && !labels.is_floating_point();
    boolean soft = labels.dim() == 2 && labels.is_floating_point();
    if (!(hard || soft) || labels.size(0) != images.size(0)) {
      throw new IllegalArgumentException("batch labels must be int64 [" + images.size(0) + "] class indices or float ["
          + images.size(0) + ", classes] probabilities, got " + Tensors.dtype(labels).torchName() + " "
          + Tensors.describe(labels));
    }
  }

  /** This batch on {@code device} (itself on the CPU). */
  public LabeledBatch on(Device device) {
    return device.isCpu() && images.is_cpu() && labels.is_cpu() ? this
        : new LabeledBatch(device.put(images), device.put(labels));
  }

  /** The number of images. */
  public int size() {
    return (int) images.size(0);
  }

  /** Whether the labels are class probabilities rather than indices. */
  public boolean softLabels() {
    return labels.dim() == 2;
  }

  /** The class index of each image: the label, or the most probable class of a soft label. */
  public Tensor classIndices() {
    return softLabels() ? labels.argmax(new org.bytedeco.pytorch.LongOptional(1), false) : labels;
  }
}
