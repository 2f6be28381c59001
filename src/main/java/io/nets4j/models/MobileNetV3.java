package io.nets4j.models;

import io.nets4j.nn.Activation;
import io.nets4j.nn.AdaptiveAvgPool2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.Dropout;
import io.nets4j.nn.Identity;
import io.nets4j.nn.Init;
import io.nets4j.nn.Layer;
import io.nets4j.nn.Linear;
import io.nets4j.nn.Sequential;
import io.nets4j.nn.SqueezeExcitation;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * MobileNet V3 (Howard et al. 2019, "Searching for MobileNetV3"), Large and Small, in
 * torchvision's structure and parameter names.
 *
 * <p>The network-searched blocks (paper Tables 1 and 2) are MobileNet V2 inverted residuals with
 * an optional squeeze-and-excitation after the depthwise convolution, whose bottleneck is a
 * quarter of the expanded width (rounded to a multiple of 8) and whose gate is a hard sigmoid;
 * the non-linearity is ReLU in the early layers and hard-swish {@code x * relu6(x + 3) / 6} in
 * the deep ones. A 1x1 convolution to six times the last block's width precedes pooling, then
 * {@code classifier} is linear (1280 or 1024), hard-swish, dropout and the last linear layer.
 * Batch norm uses epsilon 1e-3 and momentum 0.01 (the TensorFlow defaults of the paper).
 *
 * <p>With {@code numClasses == 0} only the last linear layer is dropped: the pooled features are
 * the 1280 (1024) values after the hidden linear layer, as timm's {@code num_features}.
 *
 * <p>Feature maps (timm's {@code feature_info}): the last layer before each stride, then the last
 * 1x1 convolution (960 or 576 channels, stride 32).
 */
public final class MobileNetV3 extends ImageClassifier {
  /**
   * One inverted residual block (a row of paper Table 1 or 2).
   *
   * @param in input channels
   * @param kernel depthwise kernel size
   * @param expanded channels after the 1x1 expansion
   * @param out output channels
   * @param se whether the block has squeeze-and-excitation
   * @param hardSwish hard-swish (HS) instead of ReLU (RE)
   * @param stride depthwise stride
   */
  public record Block(int in, int kernel, int expanded, int out, boolean se, boolean hardSwish, int stride) {}

  /**
   * A MobileNet V3 variant.
   *
   * @param blocks the inverted residual blocks
   * @param lastChannel width of the hidden linear layer of the classifier
   */
  public record Config(List<Block> blocks, int lastChannel) {
    public Config {
      blocks = List.copyOf(blocks);
      if (blocks.isEmpty()) {
        throw new IllegalArgumentException("MobileNetV3 needs at least one block");
      }
    }
  }

  private static final boolean SE = true;
  private static final boolean NO_SE = false;
  private static final boolean HS = true;
  private static final boolean RE = false;

  /** Paper Table 1. */
  public static final Config LARGE = new Config(List.of(
      new Block(16, 3, 16, 16, NO_SE, RE, 1),
      new Block(16, 3, 64, 24, NO_SE, RE, 2),
      new Block(24, 3, 72, 24, NO_SE, RE, 1),
      new Block(24, 5, 72, 40, SE, RE, 2),
      new Block(40, 5, 120, 40, SE, RE, 1),
      new Block(40, 5, 120, 40, SE, RE, 1),
      new Block(40, 3, 240, 80, NO_SE, HS, 2),
      new Block(80, 3, 200, 80, NO_SE, HS, 1),
      new Block(80, 3, 184, 80, NO_SE, HS, 1),
      new Block(80, 3, 184, 80, NO_SE, HS, 1),
      new Block(80, 3, 480, 112, SE, HS, 1),
      new Block(112, 3, 672, 112, SE, HS, 1),
      new Block(112, 5, 672, 160, SE, HS, 2),
      new Block(160, 5, 960, 160, SE, HS, 1),
      new Block(160, 5, 960, 160, SE, HS, 1)), 1280);

  /** Paper Table 2. */
  public static final Config SMALL = new Config(List.of(
      new Block(16, 3, 16, 16, SE, RE, 2),
      new Block(16, 3, 72, 24, NO_SE, RE, 2),
      new Block(24, 3, 88, 24, NO_SE, RE, 1),
      new Block(24, 5, 96, 40, SE, HS, 2),
      new Block(40, 5, 240, 40, SE, HS, 1),
      new Block(40, 5, 240, 40, SE, HS, 1),
      new Block(40, 5, 120, 48, SE, HS, 1),
      new Block(48, 5, 144, 48, SE, HS, 1),
      new Block(48, 5, 288, 96, SE, HS, 2),
      new Block(96, 5, 576, 96, SE, HS, 1),
      new Block(96, 5, 576, 96, SE, HS, 1)), 1024);

  private static final double BN_EPS = 1e-3;
  private static final double BN_MOMENTUM = 0.01;
  private static final String PAPER = "Howard et al. 2019, Searching for MobileNetV3";

  /** Registers torchvision's {@code mobilenet_v3_large} and {@code mobilenet_v3_small}. */
  static void register(Models.Registrar r) {
    r.add("mobilenet_v3_large", "MobileNetV3", "torchvision", 224, PAPER,
        options -> new MobileNetV3(LARGE, options));
    r.add("mobilenet_v3_small", "MobileNetV3", "torchvision", 224, PAPER,
        options -> new MobileNetV3(SMALL, options));
  }

  private final Sequential features;

  public MobileNetV3(Config config, ModelOptions options) {
    features = new Sequential();
    int stem = config.blocks().get(0).in();
    features.add(MobileNetLayers.convBnAct(options.inChannels(), stem, ConvSpec.kernel(3).stride(2),
        Activation.hardswish(), BN_EPS, BN_MOMENTUM));
    List<Integer> strides = new ArrayList<>(List.of(2));
    List<Integer> channels = new ArrayList<>(List.of(stem));
    for (Block b : config.blocks()) {
      features.add(new InvertedResidual(b));
      strides.add(b.stride());
      channels.add(b.out());
    }
    int lastIn = config.blocks().get(config.blocks().size() - 1).out();
    int lastConv = 6 * lastIn;
    features.add(MobileNetLayers.convBnAct(lastIn, lastConv, ConvSpec.kernel(1), Activation.hardswish(),
        BN_EPS, BN_MOMENTUM));
    strides.add(1);
    channels.add(lastConv);
    register("features", features);
    declareStageEnds(features, strides, channels);
    AdaptiveAvgPool2d avgpool = register("avgpool", new AdaptiveAvgPool2d(1, 1));
    // torchvision's classifier: 0 hidden linear, 1 hard-swish, 2 dropout, 3 output linear (replaced
    // for fine-tuning, the hidden layer is kept)
    Sequential classifier = register("classifier", new Sequential(linear(lastConv, config.lastChannel()),
        Activation.hardswish(), new Dropout(options.dropRateOr(0.2))));
    addClassifier(classifier, config.lastChannel(), options.numClasses(), MobileNetV3::output);
    declareHead(avgpool, null, classifier);
    initConvolutions(true);
  }

  private static Linear linear(int in, int out) {
    Linear fc = new Linear(in, out);
    Init.normal(fc.weight(), 0, 0.01);
    Init.zeros(fc.bias());
    return fc;
  }

  private static Layer output(int features, int classes) {
    return classes == 0 ? new Identity() : linear(features, classes);
  }

  @Override
  public Tensor forwardFeatures(Tensor x) {
    return features.forward(x);
  }

  /** Expansion, depthwise convolution, optional SE, linear projection; residual when the shape is kept. */
  static final class InvertedResidual extends MobileNetLayers.ResidualBlock {
    InvertedResidual(Block b) {
      super("block", branch(b), null, b.stride() == 1 && b.in() == b.out());
    }

    private static Sequential branch(Block b) {
      int squeeze = MobileNetLayers.makeDivisible(b.expanded() / 4, 8);
      SqueezeExcitation se = b.se()
          ? new SqueezeExcitation(b.expanded(), squeeze, Activation.relu(), Activation.hardsigmoid()) : null;
      return MobileNetLayers.invertedResidualBranch(b.in(), b.expanded(), b.out(), b.kernel(), b.stride(),
          () -> activation(b), se, BN_EPS, BN_MOMENTUM);
    }

    private static Activation activation(Block b) {
      return b.hardSwish() ? Activation.hardswish() : Activation.relu();
    }
  }
}
