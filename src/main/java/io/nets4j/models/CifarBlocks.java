package io.nets4j.models;

import io.nets4j.nn.Activation;
import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.Layer;
import io.nets4j.nn.SqueezeExcitation;
import org.bytedeco.pytorch.Tensor;

/**
 * The blocks {@link CifarResNet} is built of besides ResNet's basic block: the "plain" block of He
 * et al. 2016 (figure 6, left: the same two 3x3 convolutions without the shortcut) and the SE-ResNet
 * block of Hu et al. 2018 (figure 3: squeeze-and-excitation on the residual branch, before the
 * addition). Parameter names follow torchvision's basic block; the SE module is {@code se} as in
 * timm's {@code seresnet}.
 */
final class CifarBlocks {
  static final String SE_PAPER = "Hu et al. 2018, Squeeze-and-Excitation Networks (SE-ResNet, figure 3), on He et al. 2016's CIFAR ResNet";

  private CifarBlocks() {}

  /** Builds one block of a stage; {@code shortcut} is the shape-changing shortcut ({@code null}: identity). */
  @FunctionalInterface
  interface Factory {
    Layer create(int inplanes, int planes, int stride, Layer shortcut);
  }

  /** The plain block: the shortcut is dropped. */
  static Layer plain(int inplanes, int planes, int stride, Layer shortcut) {
    return new Block(inplanes, planes, stride, null, false, 0);
  }

  /** The SE-ResNet block with reduction ratio {@code ratio}: {@code C / ratio} squeeze channels. */
  static Factory squeezeExcitation(int ratio) {
    return (inplanes, planes, stride, shortcut) -> new Block(inplanes, planes, stride, shortcut, true, ratio);
  }

  /** Two 3x3 convolutions with batch norm; optionally squeeze-and-excitation and the residual addition. */
  private static final class Block extends Layer {
    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final Activation relu;
    private final Conv2d conv2;
    private final BatchNorm2d bn2;
    private final SqueezeExcitation se;
    private final Layer downsample;
    private final boolean residual;

    Block(int inplanes, int planes, int stride, Layer shortcut, boolean residual, int ratio) {
      conv1 = register("conv1", new Conv2d(inplanes, planes, ConvSpec.kernel(3).stride(stride).padding(1).noBias()));
      bn1 = register("bn1", new BatchNorm2d(planes));
      relu = register("relu", Activation.relu());
      conv2 = register("conv2", new Conv2d(planes, planes, ConvSpec.kernel(3).padding(1).noBias()));
      bn2 = register("bn2", new BatchNorm2d(planes));
      if (ratio > 0 && planes % ratio != 0) {
        // 2 C^2 / r holds only for a whole number of squeeze channels
        throw new IllegalArgumentException("SE reduction ratio " + ratio + " does not divide the " + planes + " channels");
      }
      se = ratio > 0 ? register("se", new SqueezeExcitation(planes, planes / ratio)) : null;
      downsample = shortcut == null ? null : register("downsample", shortcut);
      this.residual = residual;
    }

    @Override
    protected Tensor compute(Tensor x) {
      Tensor out = relu.forward(bn1.forward(conv1.forward(x)));
      out = bn2.forward(conv2.forward(out));
      if (se != null) {
        out = se.forward(out);
      }
      if (residual) {
        out = out.add(downsample == null ? x : downsample.forward(x));
      }
      return relu.forward(out);
    }
  }
}
