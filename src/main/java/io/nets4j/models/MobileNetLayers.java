package io.nets4j.models;

import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.Init;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.Layer;
import io.nets4j.nn.Linear;
import io.nets4j.nn.Sequential;
import io.nets4j.nn.StochasticDepth;
import java.util.function.Supplier;
import org.bytedeco.pytorch.Tensor;

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

  /**
   * The residual branch of an inverted residual block (MobileNetV2 paper; V3 and EfficientNet's
   * MBConv): a 1x1 expansion to {@code expanded} channels (left out when it would keep the width),
   * a depthwise {@code kernel x kernel} convolution with the stride, the optional squeeze-excitation
   * {@code se}, then a linear 1x1 projection to {@code out}; {@code activation} supplies the
   * activation after the first two.
   */
  static Sequential invertedResidualBranch(int in, int expanded, int out, int kernel, int stride,
      Supplier<Layer> activation, Layer se, double eps, double momentum) {
    Sequential b = new Sequential();
    if (expanded != in) {
      b.add(convBnAct(in, expanded, ConvSpec.kernel(1), activation.get(), eps, momentum));
    }
    b.add(convBnAct(expanded, expanded, ConvSpec.kernel(kernel).stride(stride).groups(expanded), activation.get(),
        eps, momentum));
    if (se != null) {
      b.add(se);
    }
    b.add(convBnAct(expanded, out, ConvSpec.kernel(1), null, eps, momentum));
    return b;
  }

  /**
   * A block of the inverted-residual kind: its branch, registered under the reference's name, plus
   * the input where the branch keeps the shape (after {@code stochasticDepth}, where there is one).
   */
  abstract static class ResidualBlock extends Layer {
    private final Sequential branch;
    private final StochasticDepth stochasticDepth;
    private final boolean residual;

    ResidualBlock(String name, Sequential branch, StochasticDepth stochasticDepth, boolean residual) {
      this.branch = register(name, branch);
      this.stochasticDepth = stochasticDepth == null ? null : register("stochastic_depth", stochasticDepth);
      this.residual = residual;
    }

    @Override
    protected Tensor compute(Tensor x) {
      Tensor y = branch.forward(x);
      if (!residual) {
        return y;
      }
      return (stochasticDepth == null ? y : stochasticDepth.forward(y)).add(x);
    }
  }

  /** The EfficientNet init of the classifier (timm, torchvision): U(-1/sqrt(classes), 1/sqrt(classes)), zero bias. */
  static void initClassifier(Linear fc) {
    double range = 1 / Math.sqrt(fc.weight().size(0));
    Init.uniform(fc.weight(), -range, range);
    Init.zeros(fc.bias());
  }
}
