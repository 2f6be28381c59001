package io.nets4j.models;

import io.nets4j.layers.ClassifierHead.Pooling;
import io.nets4j.nn.Activation;
import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.Layer;
import io.nets4j.nn.Sequential;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The ResNets for small images of He et al. 2016 ("Deep Residual Learning for Image Recognition",
 * section 4.2, the CIFAR-10 networks): a 3x3 convolution with 16 filters, then three stages of
 * {@code n} basic blocks with 16, 32 and 64 filters on feature maps of the input's size, a half and
 * a quarter of it (the first block of stages 2 and 3 has stride 2), global average pooling and a
 * fully connected classifier: {@code 6n + 2} weighted layers (ResNet-20, 32, 44, 56, 110 for n = 3,
 * 5, 7, 9, 18). Where the shape changes, the shortcut is the paper's option A: the input subsampled
 * by 2 and zero-padded with the new channels, so that the shortcuts add no parameters (ResNet-20 has
 * 0.27M parameters, ResNet-110 1.7M, as the paper's table 6).
 *
 * <p>Unlike the ImageNet ResNets, the stem keeps the full resolution, which suits 28x28 to 32x32
 * inputs (CIFAR, Fashion-MNIST). torchvision and timm have no such model; the names follow
 * torchvision's ResNet ({@code conv1}, {@code bn1}, {@code layer1..3}, {@code fc}).
 */
public final class CifarResNet extends ImageClassifier {
  private static final String PAPER = "He et al. 2016, Deep Residual Learning for Image Recognition (section 4.2)";
  private static final int[] WIDTHS = {16, 32, 64};

  /** Registers ResNet-20/32/44/56/110 ({@code resnet20_cifar} ...). */
  static void register(Models.Registrar r) {
    for (int depth : new int[] {20, 32, 44, 56, 110}) {
      r.add("resnet" + depth + "_cifar", "CifarResNet", "paper", 32, PAPER,
          options -> new CifarResNet(depth, options));
    }
    for (int depth : new int[] {20, 32, 56}) r.add("plain" + depth + "_cifar", "CifarResNet", "paper", 32, PAPER, o -> new CifarResNet(depth, o, CifarBlocks::plain));
    for (int ratio : new int[] {4, 8, 16}) r.add("se_resnet20_cifar_r" + ratio, "CifarResNet", "paper", 32, CifarBlocks.SE_PAPER, o -> new CifarResNet(20, o, CifarBlocks.squeezeExcitation(ratio)));
  }

  private final Conv2d conv1;
  private final BatchNorm2d bn1;
  private final Activation relu;
  private final Sequential[] stages = new Sequential[WIDTHS.length];

  /** A ResNet of {@code depth = 6n + 2} layers. */
  public CifarResNet(int depth, ModelOptions options) {
    this(depth, options, ResNet.BasicBlock::new);
  }

  /** The same network built of other blocks ({@link CifarBlocks}: without shortcuts, with squeeze-and-excitation). */
  CifarResNet(int depth, ModelOptions options, CifarBlocks.Factory block) {
    if (depth < 8 || (depth - 2) % 6 != 0) {
      throw new IllegalArgumentException("depth must be 6n + 2 with n >= 1 (20, 32, 44, 56, 110), got " + depth);
    }
    int blocks = (depth - 2) / 6;
    conv1 = register("conv1", new Conv2d(options.inChannels(), WIDTHS[0], ConvSpec.kernel(3).padding(1).noBias()));
    bn1 = register("bn1", new BatchNorm2d(WIDTHS[0]));
    relu = register("relu", Activation.relu());
    int inplanes = WIDTHS[0];
    for (int s = 0; s < WIDTHS.length; s++) {
      int planes = WIDTHS[s];
      Sequential stage = new Sequential();
      for (int b = 0; b < blocks; b++) {
        int stride = s > 0 && b == 0 ? 2 : 1;
        Layer shortcut = stride != 1 || inplanes != planes ? new ZeroPadShortcut(inplanes, planes, stride) : null;
        stage.add(block.create(inplanes, planes, stride, shortcut));
        inplanes = planes;
      }
      stages[s] = register("layer" + (s + 1), stage);
      // feature maps: the three stages, at strides 1, 2, 4 (the stem's stride-1 output adds nothing)
      declareFeature(stage, planes, 1 << s);
    }
    registerClassifier("fc", inplanes, options.numClasses(), ClassifierFactory.linear());
    declareHead(Pooling.AVERAGE, null);
    initConvolutions(false);
  }

  @Override
  public Tensor forwardFeatures(Tensor x) {
    return forwardStages(relu.forward(bn1.forward(conv1.forward(x))), stages);
  }

  /**
   * The paper's option A shortcut: every {@code stride}-th pixel of the input, with the extra output
   * channels zero (split evenly before and after the input's channels).
   */
  static final class ZeroPadShortcut extends Layer {
    private final int inplanes;
    private final int planes;
    private final int stride;

    ZeroPadShortcut(int inplanes, int planes, int stride) {
      if (planes < inplanes) {
        throw new IllegalArgumentException("a zero-padding shortcut cannot reduce channels " + inplanes + " -> " + planes);
      }
      this.inplanes = inplanes;
      this.planes = planes;
      this.stride = stride;
    }

    @Override
    protected Tensor compute(Tensor x) {
      if (x.dim() != 4 || x.size(1) != inplanes) {
        throw fail("expected input of shape [N, " + inplanes + ", H, W], got " + Tensors.describe(x));
      }
      Tensor sub = stride == 1 ? x
          : x.slice(2, new LongOptional(0), new LongOptional(), stride).slice(3, new LongOptional(0), new LongOptional(), stride);
      int extra = planes - inplanes;
      return torch.constant_pad_nd(sub, new long[] {0, 0, 0, 0, extra / 2, extra - extra / 2}, new Scalar(0.0));
    }
  }
}
