package io.nets4j.detection.rcnn;

import io.nets4j.nn.ConvNormActivation;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.MaxPool2d;
import io.nets4j.nn.Sequential;

/**
 * A small VGG-style convolutional network for the classic detectors: per stage a 3x3
 * convolution, batch norm and ReLU, with 2x2 max pooling between stages, so the output stride is
 * {@code 2^(stages - 1)}. It stands in for the papers' ImageNet CNNs (AlexNet in R-CNN, ZF/VGG in
 * SPPNet and Fast R-CNN), small enough to train from scratch on the shapes scenes on 2 cores.
 */
public final class ConvBackbone extends Sequential {
  private final int stride;
  private final int outChannels;

  /** @param widths output channels of each stage */
  public ConvBackbone(int... widths) {
    if (widths.length == 0) {
      throw new IllegalArgumentException("the backbone needs at least one stage");
    }
    int in = 3;
    for (int i = 0; i < widths.length; i++) {
      if (i > 0) {
        add(new MaxPool2d(2, 2, 0));
      }
      add(new ConvNormActivation(in, widths[i], ConvSpec.kernel(3)));
      in = widths[i];
    }
    this.stride = 1 << (widths.length - 1);
    this.outChannels = in;
  }

  /** Input pixels per feature cell. */
  public int stride() {
    return stride;
  }

  public int outChannels() {
    return outChannels;
  }

  @Override
  public String typeName() {
    return "ConvBackbone";
  }
}
