package io.nets4j.models;

import io.nets4j.layers.ClassifierHead.Pooling;
import io.nets4j.nn.Activation;
import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.Dropout;
import io.nets4j.nn.Init;
import io.nets4j.nn.Layer;
import io.nets4j.nn.Module;
import io.nets4j.nn.Sequential;
import org.bytedeco.pytorch.Tensor;

/**
 * MobileNet V1 (Howard et al. 2017, "MobileNets: Efficient Convolutional Neural Networks for
 * Mobile Vision Applications"), in timm's structure and parameter names ({@code mobilenetv1_100}).
 *
 * <p>A 3x3/2 stem is followed by 13 depthwise-separable blocks (paper Table 1): a 3x3 depthwise
 * convolution and a 1x1 pointwise convolution, each with batch norm and ReLU6, with no residual.
 * timm builds the model with its EfficientNet builder, hence the names {@code conv_stem, bn1,
 * blocks.STAGE.BLOCK.{conv_dw, bn1, conv_pw, bn2}, classifier}; timm's {@code BatchNormAct2d}
 * (norm and activation in one module) is a {@code bnN} and an {@code actN} here, which changes no
 * state_dict key since activations hold no state.
 *
 * <p>The width multiplier alpha scales every layer's channels, rounded to a multiple of 8 as timm
 * does (for 0.25 to 1.25 the paper's channels are already multiples of 8). The {@code h} variant
 * adds a 1x1 head convolution of 1024 channels before pooling.
 *
 * <p>Feature maps (timm's): {@code blocks.0..4} at strides 2 to 32, the last one replaced by
 * {@code act2} (the head convolution's output) in the {@code h} variant.
 */
public final class MobileNetV1 extends ImageClassifier {
  /**
   * A MobileNet V1 variant.
   *
   * @param widthMultiplier the paper's alpha, applied to every layer
   * @param headConv whether a 1x1 convolution ({@code conv_head}, {@code bn2}) precedes pooling
   */
  public record Config(double widthMultiplier, boolean headConv) {
    public Config {
      if (!(widthMultiplier > 0)) {
        throw new IllegalArgumentException("width multiplier must be > 0, got " + widthMultiplier);
      }
    }
  }

  private static final int STEM = 32;
  /** Output channels of each block per stage (paper Table 1); the first block of stages 1-4 has stride 2. */
  private static final int[][] STAGES = {
      {64}, {128, 128}, {256, 256}, {512, 512, 512, 512, 512, 512}, {1024, 1024}};
  private static final int HEAD = 1024;
  private static final String PAPER =
      "Howard et al. 2017, MobileNets: Efficient Convolutional Neural Networks for Mobile Vision Applications";

  /** Registers timm's {@code mobilenetv1_100}, {@code _100h}, {@code _125} and the paper's 0.25-0.75 widths. */
  static void register(Models.Registrar r) {
    variant(r, "mobilenetv1_025", new Config(0.25, false));
    variant(r, "mobilenetv1_050", new Config(0.5, false));
    variant(r, "mobilenetv1_075", new Config(0.75, false));
    variant(r, "mobilenetv1_100", new Config(1.0, false));
    variant(r, "mobilenetv1_100h", new Config(1.0, true));
    variant(r, "mobilenetv1_125", new Config(1.25, false));
  }

  private static void variant(Models.Registrar r, String name, Config config) {
    r.add(name, "MobileNetV1", "timm", 224, PAPER, options -> new MobileNetV1(config, options));
  }

  private final Conv2d convStem;
  private final BatchNorm2d bn1;
  private final Activation act1;
  private final Sequential blocks;
  private final Conv2d convHead;
  private final BatchNorm2d bn2;
  private final Activation act2;

  public MobileNetV1(Config config, ModelOptions options) {
    int stem = channels(STEM, config);
    convStem = register("conv_stem", new Conv2d(options.inChannels(), stem, ConvSpec.kernel(3).stride(2).padding(1).noBias()));
    bn1 = register("bn1", new BatchNorm2d(stem));
    act1 = register("act1", Activation.relu6());
    blocks = new Sequential();
    int in = stem;
    for (int s = 0; s < STAGES.length; s++) {
      Sequential stage = new Sequential();
      for (int b = 0; b < STAGES[s].length; b++) {
        int out = channels(STAGES[s][b], config);
        stage.add(new DepthwiseSeparable(in, out, s > 0 && b == 0 ? 2 : 1));
        in = out;
      }
      blocks.add(stage);
    }
    register("blocks", blocks);
    int last = config.headConv() ? STAGES.length - 1 : STAGES.length;
    for (int s = 0; s < last; s++) {
      declareFeature(blocks.get(s), channels(STAGES[s][STAGES[s].length - 1], config), 2 << s);
    }
    if (config.headConv()) {
      int head = Math.max(HEAD, channels(HEAD, config));
      convHead = register("conv_head", new Conv2d(in, head, ConvSpec.kernel(1).noBias()));
      bn2 = register("bn2", new BatchNorm2d(head));
      act2 = register("act2", Activation.relu6());
      declareFeature(act2, head, 2 << (STAGES.length - 1));
      in = head;
    } else {
      convHead = null;
      bn2 = null;
      act2 = null;
    }
    Dropout dropout = register("dropout", new Dropout(options.dropRateOr(0)));
    registerClassifier("classifier", in, options.numClasses(), ClassifierFactory.linear(MobileNetLayers::initClassifier));
    declareHead(Pooling.AVERAGE, dropout);
    for (Module m : namedModules().values()) {
      if (m instanceof Conv2d c) {
        // timm's EfficientNet init: fan-out counts the outputs of one group only
        long fanOut = Init.fanOut(c.weight()) / c.spec().groups();
        Init.normal(c.weight(), 0, Math.sqrt(2.0 / fanOut));
      }
    }
  }

  private static int channels(int c, Config config) {
    return MobileNetLayers.makeDivisible(c * config.widthMultiplier(), 8);
  }

  @Override
  public Tensor forwardFeatures(Tensor x) {
    Tensor y = blocks.forward(act1.forward(bn1.forward(convStem.forward(x))));
    return convHead == null ? y : act2.forward(bn2.forward(convHead.forward(y)));
  }

  /** 3x3 depthwise convolution and 1x1 pointwise convolution, each followed by BN and ReLU6. */
  static final class DepthwiseSeparable extends Layer {
    private final Conv2d convDw;
    private final BatchNorm2d bn1;
    private final Activation act1;
    private final Conv2d convPw;
    private final BatchNorm2d bn2;
    private final Activation act2;

    DepthwiseSeparable(int in, int out, int stride) {
      convDw = register("conv_dw", new Conv2d(in, in, ConvSpec.kernel(3).stride(stride).padding(1).groups(in).noBias()));
      bn1 = register("bn1", new BatchNorm2d(in));
      act1 = register("act1", Activation.relu6());
      convPw = register("conv_pw", new Conv2d(in, out, ConvSpec.kernel(1).noBias()));
      bn2 = register("bn2", new BatchNorm2d(out));
      act2 = register("act2", Activation.relu6());
    }

    @Override
    protected Tensor compute(Tensor x) {
      Tensor y = act1.forward(bn1.forward(convDw.forward(x)));
      return act2.forward(bn2.forward(convPw.forward(y)));
    }
  }
}
