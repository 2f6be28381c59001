package io.nets4j.models;

import io.nets4j.nn.Activation;
import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.Init;
import io.nets4j.nn.Layer;
import io.nets4j.nn.MaxPool2d;
import io.nets4j.nn.Module;
import io.nets4j.nn.Sequential;
import io.nets4j.nn.SqueezeExcitation;
import io.nets4j.nn.StochasticDepth;
import org.bytedeco.pytorch.Tensor;

/**
 * Squeeze-and-Excitation networks (Hu et al. 2018, "Squeeze-and-Excitation Networks"), in timm's
 * structures and parameter names.
 *
 * <p>An SE block recalibrates the C channels of a residual branch: global average pooling
 * (squeeze), a bottleneck of two 1x1 convolutions C -> C/r -> C with ReLU between (excitation),
 * and a sigmoid gate that scales each channel. It is inserted after the last batch norm of every
 * bottleneck, before the residual addition. With the reduction ratio r = 16 used everywhere here,
 * one SE block costs {@code 2 C^2 / r} weights (plus {@code C/r + C} biases), i.e. C^2/8: for
 * SE-ResNet-50 that is 2.53M parameters (+10%) for about 0.3% more multiply-adds (paper Table 7).
 *
 * <p>Two layouts are registered:
 * <ul>
 *   <li>{@link SENet}: the original Caffe layout of the paper's released models, timm's
 *       {@code legacy_*} models (timm's {@code senet.py}): a {@code layer0} stem, {@code pool0}
 *       with ceil mode, bottlenecks with {@code se_module}, stride in the first 1x1 convolution of
 *       SE-ResNet, {@code last_linear}, dropout 0.2. SENet-154 has a deep 3x3 stem, 64-group
 *       bottlenecks twice as wide, and 3x3 downsampling projections (paper Appendix).</li>
 *   <li>{@link #seResNet}: timm's ResNet with {@code attn_layer='se'} ({@code seresnet50},
 *       {@code seresnext50_32x4d}): torchvision's ResNet names ({@code conv1, bn1, layerN, fc}),
 *       stride in the 3x3 convolution, the SE block as {@code se}.</li>
 * </ul>
 *
 * <p>Feature maps (timm's): the stem before its max pooling ({@code layer0} or {@code act1},
 * stride 2) and {@code layer1..4} (strides 4 to 32).
 */
public final class SENet extends ImageClassifier {
  /** The bottleneck of the original models. */
  public enum Block {
    /** SE-ResNet: 1x1 (with the stride), 3x3, 1x1 with 4x expansion. */
    RESNET,
    /** SE-ResNeXt: grouped 3x3 of {@code floor(planes * baseWidth / 64) * groups} channels, stride in the 3x3. */
    RESNEXT,
    /** SENet-154: 1x1 to 2 planes, grouped 3x3 to 4 planes (with the stride), 1x1. */
    SENET154
  }

  /**
   * An original-layout SENet.
   *
   * @param block bottleneck type
   * @param depths blocks per stage
   * @param groups groups of the 3x3 convolutions
   * @param baseWidth ResNeXt width per group at stage 1 (RESNEXT only)
   * @param deepStem three 3x3 stem convolutions to 128 channels and 3x3 projections (SENet-154)
   */
  public record Config(Block block, int[] depths, int groups, int baseWidth, boolean deepStem) {
    public Config {
      depths = depths.clone();
      if (depths.length != 4) {
        throw new IllegalArgumentException("SENet has 4 stages, got " + depths.length);
      }
    }

    @Override
    public int[] depths() {
      return depths.clone();
    }
  }

  static final int REDUCTION = 16;
  private static final String PAPER = "Hu et al. 2018, Squeeze-and-Excitation Networks";
  private static final String TIMM = "timm";

  /** Registers timm's SE-ResNet(X)s and their {@code legacy_} original-layout counterparts, and SENet-154. */
  static void register(Models.Registrar r) {
    seResNet(r, "seresnet50", new int[] {3, 4, 6, 3}, 1, 64);
    seResNet(r, "seresnet101", new int[] {3, 4, 23, 3}, 1, 64);
    seResNet(r, "seresnet152", new int[] {3, 8, 36, 3}, 1, 64);
    seResNet(r, "seresnext50_32x4d", new int[] {3, 4, 6, 3}, 32, 4);
    seResNet(r, "seresnext101_32x4d", new int[] {3, 4, 23, 3}, 32, 4);
    legacy(r, "legacy_seresnet50", new Config(Block.RESNET, new int[] {3, 4, 6, 3}, 1, 64, false));
    legacy(r, "legacy_seresnet101", new Config(Block.RESNET, new int[] {3, 4, 23, 3}, 1, 64, false));
    legacy(r, "legacy_seresnet152", new Config(Block.RESNET, new int[] {3, 8, 36, 3}, 1, 64, false));
    legacy(r, "legacy_seresnext50_32x4d", new Config(Block.RESNEXT, new int[] {3, 4, 6, 3}, 32, 4, false));
    legacy(r, "legacy_seresnext101_32x4d", new Config(Block.RESNEXT, new int[] {3, 4, 23, 3}, 32, 4, false));
    legacy(r, "legacy_senet154", new Config(Block.SENET154, new int[] {3, 8, 36, 3}, 64, 0, true));
  }

  private static void seResNet(Models.Registrar r, String name, int[] depths, int groups, int baseWidth) {
    r.add(name, "SENet", TIMM, 224, PAPER, options -> seResNet(depths, groups, baseWidth, options));
  }

  private static void legacy(Models.Registrar r, String name, Config config) {
    r.add(name, "SENet", TIMM, 224, PAPER, options -> new SENet(config, options));
  }

  private final Sequential layer0;
  private final MaxPool2d pool0;
  private final Sequential[] stages = new Sequential[4];

  public SENet(Config config, ModelOptions options) {
    int inplanes = config.deepStem() ? 128 : 64;
    layer0 = new Sequential();
    if (config.deepStem()) {
      layer0.add("conv1", new Conv2d(options.inChannels(), 64, ConvSpec.kernel(3).stride(2).padding(1).noBias()));
      layer0.add("bn1", new BatchNorm2d(64));
      layer0.add("relu1", Activation.relu());
      layer0.add("conv2", new Conv2d(64, 64, ConvSpec.kernel(3).padding(1).noBias()));
      layer0.add("bn2", new BatchNorm2d(64));
      layer0.add("relu2", Activation.relu());
      layer0.add("conv3", new Conv2d(64, inplanes, ConvSpec.kernel(3).padding(1).noBias()));
      layer0.add("bn3", new BatchNorm2d(inplanes));
      layer0.add("relu3", Activation.relu());
    } else {
      layer0.add("conv1", new Conv2d(options.inChannels(), inplanes, ConvSpec.kernel(7).stride(2).padding(3).noBias()));
      layer0.add("bn1", new BatchNorm2d(inplanes));
      layer0.add("relu1", Activation.relu());
    }
    register("layer0", layer0);
    // ceil mode instead of padding, for the Caffe-trained weights
    pool0 = register("pool0", new MaxPool2d(3, 2, 0, true));
    for (int s = 0; s < 4; s++) {
      int planes = 64 << s;
      int outplanes = planes * 4;
      int stride = s == 0 ? 1 : 2;
      Sequential stage = new Sequential();
      for (int b = 0; b < config.depths[s]; b++) {
        Sequential downsample = null;
        if (b == 0 && (stride != 1 || inplanes != outplanes)) {
          int k = config.deepStem() && s > 0 ? 3 : 1;
          downsample = new Sequential(
              new Conv2d(inplanes, outplanes, ConvSpec.kernel(k).stride(stride).padding(k / 2).noBias()),
              new BatchNorm2d(outplanes));
        }
        stage.add(new LegacyBottleneck(config, inplanes, planes, b == 0 ? stride : 1, downsample));
        inplanes = outplanes;
      }
      stages[s] = register("layer" + (s + 1), stage);
    }
    // feature maps (timm's): the stem before its max pooling, then the four stages
    declareFeature(layer0, config.deepStem() ? 128 : 64, 2);
    for (int s = 0; s < stages.length; s++) {
      declareFeature(stages[s], 256 << s, 4 << s);
    }
    registerDropoutHead("last_linear", inplanes, options.numClasses(), options.dropRateOr(0.2));
    initConvolutions(false);
  }

  @Override
  public Tensor forwardFeatures(Tensor x) {
    return forwardStages(pool0.forward(layer0.forward(x)), stages);
  }

  /** The bottleneck of the original models: three convolutions, SE on the branch, residual, ReLU. */
  static final class LegacyBottleneck extends Layer {
    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final Conv2d conv2;
    private final BatchNorm2d bn2;
    private final Conv2d conv3;
    private final BatchNorm2d bn3;
    private final Activation relu;
    private final SqueezeExcitation seModule;
    private final Sequential downsample;

    LegacyBottleneck(Config config, int inplanes, int planes, int stride, Sequential downsample) {
      int outplanes = planes * 4;
      int width1;
      int width2;
      switch (config.block()) {
        case RESNET -> {
          width1 = planes;
          width2 = planes;
        }
        case RESNEXT -> {
          width1 = planes * config.baseWidth() / 64 * config.groups();
          width2 = width1;
        }
        default -> {
          width1 = planes * 2;
          width2 = planes * 4;
        }
      }
      // the Caffe SE-ResNets stride in the first 1x1 convolution, the others in the 3x3
      int stride1 = config.block() == Block.RESNET ? stride : 1;
      int stride2 = config.block() == Block.RESNET ? 1 : stride;
      conv1 = register("conv1", new Conv2d(inplanes, width1, ConvSpec.kernel(1).stride(stride1).noBias()));
      bn1 = register("bn1", new BatchNorm2d(width1));
      conv2 = register("conv2", new Conv2d(width1, width2,
          ConvSpec.kernel(3).stride(stride2).padding(1).groups(config.groups()).noBias()));
      bn2 = register("bn2", new BatchNorm2d(width2));
      conv3 = register("conv3", new Conv2d(width2, outplanes, ConvSpec.kernel(1).noBias()));
      bn3 = register("bn3", new BatchNorm2d(outplanes));
      relu = register("relu", Activation.relu());
      seModule = register("se_module", new SqueezeExcitation(outplanes, outplanes / REDUCTION));
      this.downsample = downsample == null ? null : register("downsample", downsample);
    }

    @Override
    protected Tensor compute(Tensor x) {
      Tensor out = relu.forward(bn1.forward(conv1.forward(x)));
      out = relu.forward(bn2.forward(conv2.forward(out)));
      out = bn3.forward(conv3.forward(out));
      Tensor shortcut = downsample == null ? x : downsample.forward(x);
      return relu.forward(seModule.forward(out).add(shortcut));
    }
  }

  /**
   * timm's ResNet with SE blocks ({@code attn_layer='se'}): ResNet's stem, stages and head in
   * timm's spelling ({@code act1}, {@code dropout}) around bottlenecks with an {@code se} block
   * after {@code bn3} (C/16 channels rounded to a multiple of 8, which is exact for C = 256..2048),
   * optional stochastic depth and timm's {@code zero_init_last}.
   *
   * @param depths blocks per stage
   * @param groups groups of the 3x3 convolutions (ResNeXt cardinality)
   * @param baseWidth channels per group at stage 1 (64 for ResNet)
   */
  public static ImageClassifier seResNet(int[] depths, int groups, int baseWidth, ModelOptions options) {
    if (depths.length != 4) {
      throw new IllegalArgumentException("SE-ResNet has 4 stages, got " + depths.length);
    }
    int total = 0;
    for (int d : depths) {
      total += d;
    }
    int blocks = total;
    double dropPath = options.dropPathRateOr(0);
    int[] index = {0};
    ResNet model = new ResNet(depths, 4, ResNet.Layout.TIMM, (inplanes, planes, stride) -> new Bottleneck(inplanes,
        planes, stride, groups, baseWidth, StochasticDepth.linearRate(dropPath, index[0]++, blocks)), options);
    for (Module m : model.namedModules().values()) {
      if (m instanceof Bottleneck b) {
        // timm's zero_init_last: each residual branch starts as the identity
        Init.zeros(b.bn3.weight());
      }
    }
    return model;
  }

  /** timm's ResNet bottleneck with an SE block on the residual branch. */
  static final class Bottleneck extends Layer {
    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final Activation act1;
    private final Conv2d conv2;
    private final BatchNorm2d bn2;
    private final Activation act2;
    private final Conv2d conv3;
    private final BatchNorm2d bn3;
    private final SqueezeExcitation se;
    private final Activation act3;
    private final Sequential downsample;
    private final StochasticDepth dropPath;

    Bottleneck(int inplanes, int planes, int stride, int groups, int baseWidth, double dropPathRate) {
      int width = planes * baseWidth / 64 * groups;
      int outplanes = planes * 4;
      conv1 = register("conv1", new Conv2d(inplanes, width, ConvSpec.kernel(1).noBias()));
      bn1 = register("bn1", new BatchNorm2d(width));
      act1 = register("act1", Activation.relu());
      conv2 = register("conv2", new Conv2d(width, width,
          ConvSpec.kernel(3).stride(stride).padding(1).groups(groups).noBias()));
      bn2 = register("bn2", new BatchNorm2d(width));
      act2 = register("act2", Activation.relu());
      conv3 = register("conv3", new Conv2d(width, outplanes, ConvSpec.kernel(1).noBias()));
      bn3 = register("bn3", new BatchNorm2d(outplanes));
      se = register("se", new SqueezeExcitation(outplanes, outplanes / REDUCTION));
      act3 = register("act3", Activation.relu());
      downsample = stride != 1 || inplanes != outplanes
          ? register("downsample", new Sequential(
              new Conv2d(inplanes, outplanes, ConvSpec.kernel(1).stride(stride).noBias()), new BatchNorm2d(outplanes)))
          : null;
      dropPath = dropPathRate > 0 ? register("drop_path", new StochasticDepth(dropPathRate)) : null;
    }

    @Override
    protected Tensor compute(Tensor x) {
      Tensor out = act1.forward(bn1.forward(conv1.forward(x)));
      out = act2.forward(bn2.forward(conv2.forward(out)));
      out = se.forward(bn3.forward(conv3.forward(out)));
      if (dropPath != null) {
        out = dropPath.forward(out);
      }
      Tensor shortcut = downsample == null ? x : downsample.forward(x);
      return act3.forward(out.add(shortcut));
    }
  }
}
