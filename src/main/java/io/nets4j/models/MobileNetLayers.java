package io.nets4j.models;

import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.Init;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.Layer;
import io.nets4j.nn.Linear;
import io.nets4j.nn.Sequential;

/**
 * Pieces shared by the MobileNet lineage (MobileNet V1-V3, EfficientNet): the channel rounding
 * rule of width multipliers and torchvision's conv-norm-activation unit with a chosen batch-norm
 * momentum.
 */
final class MobileNetLayers {
  private MobileNetLayers() {}

  /**
   * Rounds {@code v} to the nearest multiple of {@code divisor}, at least {@code divisor}, and
   * never more than 10% below {@code v}: {@code _make_divisible} of torchvision and timm's
   * {@code make_divisible} (with its default {@code round_limit=0.9}).
   */
  static int makeDivisible(double v, int divisor) {
    int rounded = Math.max(divisor, (int) (v + divisor / 2.0) / divisor * divisor);
    return rounded < 0.9 * v ? rounded + divisor : rounded;
  }

  /**
   * Convolution without bias, batch norm and an optional activation, named {@code 0, 1, 2} as
   * torchvision's {@code Conv2dNormActivation}; padding keeps the size at stride 1.
   */
  static Sequential convBnAct(int in, int out, ConvSpec spec, Layer activation, double eps, double momentum) {
    Sequential s = new Sequential(
        new Conv2d(in, out, spec.samePadding().noBias()),
        new BatchNorm2d(out, eps, momentum));
    if (activation != null) {
      s.add(activation);
    }
    return s;
  }

  /** The EfficientNet init of the classifier (timm, torchvision): U(-1/sqrt(classes), 1/sqrt(classes)), zero bias. */
  static void initClassifier(Linear fc) {
    double range = 1 / Math.sqrt(fc.weight().size(0));
    Init.uniform(fc.weight(), -range, range);
    Init.zeros(fc.bias());
  }
}
