package io.nets4j.models;

import io.nets4j.nn.Activation;
import io.nets4j.nn.AdaptiveAvgPool2d;
import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.Layer;
import io.nets4j.nn.MaxPool2d;
import io.nets4j.nn.Sequential;
import org.bytedeco.pytorch.Tensor;

/**
 * ResNet (He et al. 2016, "Deep Residual Learning for Image Recognition"), with ResNeXt's grouped
 * bottlenecks (Xie et al. 2017, "Aggregated Residual Transformations") and Wide ResNet's wider
 * bottlenecks (Zagoruyko and Komodakis 2016), in torchvision's structure and parameter names.
 *
 * <p>The stem (7x7/2 convolution, 3x3/2 max pooling) is followed by four stages {@code layer1..4}
 * of residual blocks; the first block of stages 2-4 halves the resolution (stride 2 in the 3x3
 * convolution, "ResNet v1.5" as torchvision) and projects the shortcut with a 1x1 convolution.
 *
 * <p>For dense prediction (torchvision's {@code replace_stride_with_dilation}), stages 2-4 can
 * keep the resolution and dilate their 3x3 convolutions instead (Yu and Koltun 2016; Chen et al.
 * 2017, DeepLab): the stage's first block keeps the previous dilation, the following blocks use
 * the dilation multiplied by the replaced stride, with padding equal to the dilation.
 *
 * <p>Feature maps (timm's {@code feature_info}): the stem's {@code relu} (64 channels, stride 2),
 * then {@code layer1..4} (strides 4, 8, 16, 32; 8 for the dilated stages).
 */
public final class ResNet extends ImageClassifier {
  /** Residual block type: two 3x3 convolutions, or 1x1-3x3-1x1 with 4x channel expansion. */
  public enum Block {
    BASIC(1),
    BOTTLENECK(4);

    final int expansion;

    Block(int expansion) {
      this.expansion = expansion;
    }
  }

  /**
   * A ResNet variant.
   *
   * @param block the residual block type
   * @param depths number of blocks in each of the four stages
   * @param groups groups of the 3x3 convolution in bottlenecks (ResNeXt cardinality)
   * @param widthPerGroup channels per group of the bottleneck at stage 1 (64 for ResNet)
   */
  public record Config(Block block, int[] depths, int groups, int widthPerGroup) {
    public Config {
      depths = depths.clone();
      if (depths.length != 4) {
        throw new IllegalArgumentException("ResNet has 4 stages, got " + depths.length);
      }
      if (block == Block.BASIC && (groups != 1 || widthPerGroup != 64)) {
        throw new IllegalArgumentException("BasicBlock only supports groups=1 and widthPerGroup=64");
      }
    }

    @Override
    public int[] depths() {
      return depths.clone();
    }
  }

  private static final String PAPER = "He et al. 2016, Deep Residual Learning for Image Recognition";

  /** Registers torchvision's ResNet, ResNeXt and Wide ResNet variants. */
  static void register(Models.Registrar r) {
    variant(r, "resnet18", new Config(Block.BASIC, new int[] {2, 2, 2, 2}, 1, 64), PAPER);
    variant(r, "resnet34", new Config(Block.BASIC, new int[] {3, 4, 6, 3}, 1, 64), PAPER);
    variant(r, "resnet50", new Config(Block.BOTTLENECK, new int[] {3, 4, 6, 3}, 1, 64), PAPER);
    variant(r, "resnet101", new Config(Block.BOTTLENECK, new int[] {3, 4, 23, 3}, 1, 64), PAPER);
    variant(r, "resnet152", new Config(Block.BOTTLENECK, new int[] {3, 8, 36, 3}, 1, 64), PAPER);
    String resnext = "Xie et al. 2017, Aggregated Residual Transformations for Deep Neural Networks";
    variant(r, "resnext50_32x4d", new Config(Block.BOTTLENECK, new int[] {3, 4, 6, 3}, 32, 4), resnext);
    variant(r, "resnext101_32x8d", new Config(Block.BOTTLENECK, new int[] {3, 4, 23, 3}, 32, 8), resnext);
    variant(r, "resnext101_64x4d", new Config(Block.BOTTLENECK, new int[] {3, 4, 23, 3}, 64, 4), resnext);
    String wide = "Zagoruyko and Komodakis 2016, Wide Residual Networks";
    variant(r, "wide_resnet50_2", new Config(Block.BOTTLENECK, new int[] {3, 4, 6, 3}, 1, 128), wide);
    variant(r, "wide_resnet101_2", new Config(Block.BOTTLENECK, new int[] {3, 4, 23, 3}, 1, 128), wide);
  }

  private static void variant(Models.Registrar r, String name, Config config, String paper) {
    r.add(name, "ResNet", "torchvision", 224, paper, options -> new ResNet(config, options));
  }

  private final Conv2d conv1;
  private final BatchNorm2d bn1;
  private final Activation relu;
  private final MaxPool2d maxpool;
  private final Sequential[] stages = new Sequential[4];

  public ResNet(Config config, ModelOptions options) {
    this(config, options, new boolean[3]);
  }

  /**
   * A ResNet whose stages 2-4 replace their stride by dilation where {@code replaceStrideWithDilation}
   * (three flags, torchvision's argument) is true; only bottleneck blocks support dilation.
   */
  public ResNet(Config config, ModelOptions options, boolean[] replaceStrideWithDilation) {
    this(config.depths, config.block.expansion, (inplanes, planes, stride, dilation) -> {
      if (config.block == Block.BASIC) {
        if (dilation > 1) {
          throw new IllegalArgumentException("dilation > 1 is not supported by BasicBlock (ResNet-18/34)");
        }
        return new BasicBlock(inplanes, planes, stride);
      }
      return new Bottleneck(inplanes, planes, stride, dilation, config.groups, config.widthPerGroup);
    }, replaceStrideWithDilation, Layout.TORCHVISION, options);
  }

  /**
   * The two spellings of the same network: torchvision's ({@code relu} after the stem, an
   * {@code avgpool} layer before {@code fc}) and timm's ({@code act1}, global average pooling and a
   * {@code dropout} of {@code options.dropRate()} before {@code fc}). The parameters are the same.
   */
  enum Layout {
    TORCHVISION("relu"),
    TIMM("act1");

    final String stemActivation;

    Layout(String stemActivation) {
      this.stemActivation = stemActivation;
    }
  }

  /** Builds one residual block of a stage: its input width, the stage's width, its stride. */
  interface BlockFactory {
    Layer create(int inplanes, int planes, int stride);
  }

  /** As {@link BlockFactory}, with the dilation of the block's 3x3 convolution. */
  private interface DilatedBlockFactory {
    Layer create(int inplanes, int planes, int stride, int dilation);
  }

  /**
   * A ResNet with other residual blocks (e.g. self-attention bottlenecks): the torchvision stem,
   * stages and head around blocks from {@code blocks}, which output {@code planes * expansion}.
   */
  ResNet(int[] depths, int expansion, BlockFactory blocks, ModelOptions options) {
    this(depths, expansion, Layout.TORCHVISION, blocks, options);
  }

  /** As {@link #ResNet(int[], int, BlockFactory, ModelOptions)}, in {@code layout}'s spelling. */
  ResNet(int[] depths, int expansion, Layout layout, BlockFactory blocks, ModelOptions options) {
    this(depths, expansion, (inplanes, planes, stride, dilation) -> blocks.create(inplanes, planes, stride),
        new boolean[3], layout, options);
  }

  private ResNet(int[] depths, int expansion, DilatedBlockFactory blocks, boolean[] replaceStrideWithDilation,
      Layout layout, ModelOptions options) {
    if (replaceStrideWithDilation.length != 3) {
      throw new IllegalArgumentException("replaceStrideWithDilation needs 3 flags (stages 2-4), got "
          + replaceStrideWithDilation.length);
    }
    conv1 = register("conv1", new Conv2d(options.inChannels(), 64, ConvSpec.kernel(7).stride(2).padding(3).noBias()));
    bn1 = register("bn1", new BatchNorm2d(64));
    relu = register(layout.stemActivation, Activation.relu());
    maxpool = register("maxpool", new MaxPool2d(3, 2, 1));
    declareFeature(relu, 64, 2);
    int inplanes = 64;
    int dilation = 1;
    int reduction = 4;
    for (int s = 0; s < 4; s++) {
      int planes = 64 << s;
      int stride = s == 0 ? 1 : 2;
      int previousDilation = dilation;
      if (s > 0 && replaceStrideWithDilation[s - 1]) {
        dilation *= stride;
        stride = 1;
      }
      reduction *= stride;
      Sequential stage = new Sequential();
      for (int b = 0; b < depths[s]; b++) {
        stage.add(b == 0 ? blocks.create(inplanes, planes, stride, previousDilation)
            : blocks.create(inplanes, planes, 1, dilation));
        inplanes = planes * expansion;
      }
      stages[s] = register("layer" + (s + 1), stage);
      declareFeature(stage, inplanes, reduction);
    }
    if (layout == Layout.TORCHVISION) {
      AdaptiveAvgPool2d avgpool = register("avgpool", new AdaptiveAvgPool2d(1, 1));
      registerClassifier("fc", inplanes, options.numClasses(), ClassifierFactory.linear());
      declareHead(avgpool, null, null);
    } else {
      registerDropoutHead("fc", inplanes, options.numClasses(), options.dropRateOr(0));
    }
    initConvolutions(false);
  }

  @Override
  public Tensor forwardFeatures(Tensor x) {
    return forwardStages(maxpool.forward(relu.forward(bn1.forward(conv1.forward(x)))), stages);
  }

  /** The projection shortcut: 1x1 convolution (with the block's stride) and batch norm. */
  static Sequential downsample(int inplanes, int outplanes, int stride) {
    if (stride == 1 && inplanes == outplanes) {
      return null;
    }
    return new Sequential(
        new Conv2d(inplanes, outplanes, ConvSpec.kernel(1).stride(stride).noBias()),
        new BatchNorm2d(outplanes));
  }

  /** Two 3x3 convolutions with a residual connection (ResNet-18/34). */
  static final class BasicBlock extends Layer {
    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final Activation relu;
    private final Conv2d conv2;
    private final BatchNorm2d bn2;
    private final Layer downsample;

    BasicBlock(int inplanes, int planes, int stride) {
      this(inplanes, planes, stride, downsample(inplanes, planes, stride));
    }

    /** A block whose shortcut, where the shape changes, is {@code shortcut} ({@code null}: identity). */
    BasicBlock(int inplanes, int planes, int stride, Layer shortcut) {
      conv1 = register("conv1", new Conv2d(inplanes, planes, ConvSpec.kernel(3).stride(stride).padding(1).noBias()));
      bn1 = register("bn1", new BatchNorm2d(planes));
      relu = register("relu", Activation.relu());
      conv2 = register("conv2", new Conv2d(planes, planes, ConvSpec.kernel(3).padding(1).noBias()));
      bn2 = register("bn2", new BatchNorm2d(planes));
      downsample = shortcut == null ? null : register("downsample", shortcut);
    }

    @Override
    protected Tensor compute(Tensor x) {
      Tensor out = relu.forward(bn1.forward(conv1.forward(x)));
      out = bn2.forward(conv2.forward(out));
      Tensor identity = downsample == null ? x : downsample.forward(x);
      return relu.forward(out.add(identity));
    }
  }

  /** 1x1 reduce, 3x3 (grouped for ResNeXt), 1x1 expand, with a residual connection (ResNet-50+). */
  static final class Bottleneck extends Layer {
    private final Conv2d conv1;
    private final BatchNorm2d bn1;
    private final Conv2d conv2;
    private final BatchNorm2d bn2;
    private final Conv2d conv3;
    private final BatchNorm2d bn3;
    private final Activation relu;
    private final Sequential downsample;

    Bottleneck(int inplanes, int planes, int stride, int dilation, int groups, int widthPerGroup) {
      int width = planes * widthPerGroup / 64 * groups;
      int outplanes = planes * Block.BOTTLENECK.expansion;
      conv1 = register("conv1", new Conv2d(inplanes, width, ConvSpec.kernel(1).noBias()));
      bn1 = register("bn1", new BatchNorm2d(width));
      conv2 = register("conv2", new Conv2d(width, width,
          ConvSpec.kernel(3).stride(stride).padding(dilation).dilation(dilation).groups(groups).noBias()));
      bn2 = register("bn2", new BatchNorm2d(width));
      conv3 = register("conv3", new Conv2d(width, outplanes, ConvSpec.kernel(1).noBias()));
      bn3 = register("bn3", new BatchNorm2d(outplanes));
      relu = register("relu", Activation.relu());
      Sequential ds = downsample(inplanes, outplanes, stride);
      downsample = ds == null ? null : register("downsample", ds);
    }

    @Override
    protected Tensor compute(Tensor x) {
      Tensor out = relu.forward(bn1.forward(conv1.forward(x)));
      out = relu.forward(bn2.forward(conv2.forward(out)));
      out = bn3.forward(conv3.forward(out));
      Tensor identity = downsample == null ? x : downsample.forward(x);
      return relu.forward(out.add(identity));
    }
  }
}
