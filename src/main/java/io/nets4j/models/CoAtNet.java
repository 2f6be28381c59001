package io.nets4j.models;

import io.nets4j.layers.ClassifierHead;
import io.nets4j.layers.LayerNorm2d;
import io.nets4j.layers.Mlp;
import io.nets4j.layers.RelativePositionBias;
import io.nets4j.layers.SelfAttention;
import io.nets4j.nn.Activation;
import io.nets4j.nn.AvgPool2d;
import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.Dropout;
import io.nets4j.nn.Identity;
import io.nets4j.nn.Init;
import io.nets4j.nn.Layer;
import io.nets4j.nn.LayerNorm;
import io.nets4j.nn.Linear;
import io.nets4j.nn.Module;
import io.nets4j.nn.RecordsAttention;
import io.nets4j.nn.Sequential;
import io.nets4j.nn.SqueezeExcitation;
import io.nets4j.nn.StochasticDepth;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * CoAtNet (Dai et al. 2021, "CoAtNet: Marrying Convolution and Attention for All Data Sizes"), in
 * timm's structure and parameter names ({@code timm/models/maxxvit.py}).
 *
 * <p>A two-convolution stem (stride 2) is followed by four stages of type C-C-T-T, each halving
 * the resolution in its first block: the C stages are MBConv blocks (pre-norm inverted bottleneck:
 * 1x1 expansion, 3x3 depthwise convolution, squeeze-excitation, 1x1 projection), the T stages are
 * pre-norm transformer blocks on NCHW maps whose multi-head self-attention spans the whole feature
 * map with a learned relative-position bias per head (a table over the {@code (2H-1)(2W-1)}
 * offsets). Then a final norm, global average pooling and the classifier.
 *
 * <p>The relative-position tables are sized for the feature maps of the model's input size, so the
 * input size is fixed (224 for the registered variants); {@link #CoAtNet(Config, int, ModelOptions)}
 * builds for another size.
 *
 * <p>Attention weights: each transformer block's {@code attn} implements {@link RecordsAttention};
 * its map has shape {@code [N, heads, H*W, H*W]} (queries by keys, positions in row-major order),
 * softmax-normalised over the last dimension. Without recording, attention runs libtorch's fused
 * {@code scaled_dot_product_attention} with the relative-position bias as additive mask.
 */
public final class CoAtNet extends ImageClassifier {
  /** The non-linearities the variants use. */
  public enum Act {
    RELU, SILU, GELU;

    Activation create() {
      return switch (this) {
        case RELU -> Activation.relu();
        case SILU -> Activation.silu();
        case GELU -> Activation.gelu();
      };
    }
  }

  /**
   * The MBConv blocks of the C stages.
   *
   * @param act activation after each batch norm (and in the stem)
   * @param preNormAct whether the pre-norm is followed by the activation
   * @param expandFromOutput expansion (4x) and SE width (1/4) from the output width; else from the
   *     input width (expansion) and expanded width (SE)
   * @param outputBias bias in the final 1x1 projection and the shortcut's 1x1 convolution
   * @param strideInPool downsample by 2x2 average pooling before the 1x1 expansion; else by the
   *     stride of the depthwise convolution
   * @param seEarly squeeze-excitation between the depthwise convolution and its norm ({@code
   *     se_early}); else after the norm-activation ({@code se})
   * @param seAct the activation inside squeeze-excitation
   */
  public record MbConvConfig(Act act, boolean preNormAct, boolean expandFromOutput, boolean outputBias,
      boolean strideInPool, boolean seEarly, Act seAct) {}

  /**
   * The transformer blocks of the T stages (heads of 32 channels, MLP ratio 4, GELU).
   *
   * @param expandFirst the attention works at the output width (the qkv projection widens); else at
   *     the input width and the output projection widens
   * @param shortcutBias bias in the shortcut's 1x1 convolution of a stage's first block
   */
  public record TransformerConfig(boolean expandFirst, boolean shortcutBias) {}

  /**
   * A CoAtNet variant.
   *
   * @param dims output width of the four stages
   * @param depths blocks per stage
   * @param stemWidths widths of the stem's two convolutions
   * @param conv the MBConv configuration
   * @param transformer the transformer configuration
   * @param headHiddenSize width of the pre-logits layer of the head (LayerNorm, linear, tanh), or 0
   *     for a final LayerNorm and a linear classifier only
   */
  public record Config(int[] dims, int[] depths, int[] stemWidths, MbConvConfig conv,
      TransformerConfig transformer, int headHiddenSize) {
    public Config {
      dims = dims.clone();
      depths = depths.clone();
      stemWidths = stemWidths.clone();
      if (dims.length != 4 || depths.length != 4 || stemWidths.length != 2) {
        throw new IllegalArgumentException("CoAtNet has 4 stages (C-C-T-T) and a 2-convolution stem");
      }
      for (int s = 2; s < 4; s++) {
        if (dims[s] % HEAD_DIM != 0) {
          throw new IllegalArgumentException("transformer stage width " + dims[s] + " is not a multiple of "
              + HEAD_DIM + " (the head width)");
        }
      }
    }

    @Override
    public int[] dims() {
      return dims.clone();
    }

    @Override
    public int[] depths() {
      return depths.clone();
    }

    @Override
    public int[] stemWidths() {
      return stemWidths.clone();
    }
  }

  private static final int HEAD_DIM = 32;
  private static final double BN_EPS = 1e-5;
  private static final double LN_EPS = 1e-6;
  private static final String PAPER = "Dai et al. 2021, CoAtNet: Marrying Convolution and Attention for All Data Sizes";

  /**
   * timm's own configuration ({@code _rw}): activation after the pre-norm, expansion from the input
   * width, no output biases, SiLU, ReLU inside SE placed before the norm, pooling downsampling.
   */
  private static final MbConvConfig RW_CONV = new MbConvConfig(Act.SILU, true, false, false, true, true, Act.RELU);
  /** The paper's configuration as timm reads it: GELU, SiLU inside SE, strided depthwise convolution. */
  private static final MbConvConfig PAPER_CONV = new MbConvConfig(Act.GELU, false, true, true, false, false, Act.SILU);

  /** Registers timm's {@code coatnet_0_rw_224}, {@code coatnet_0_224} and {@code coatnet_1_224}. */
  static void register(Models.Registrar r) {
    int[] widths = {96, 192, 384, 768};
    variant(r, "coatnet_0_rw_224", new Config(widths, new int[] {2, 3, 7, 2}, new int[] {32, 64}, RW_CONV,
        new TransformerConfig(false, false), 0));
    variant(r, "coatnet_0_224", new Config(widths, new int[] {2, 3, 5, 2}, new int[] {64, 64}, PAPER_CONV,
        new TransformerConfig(true, true), 768));
    variant(r, "coatnet_1_224", new Config(widths, new int[] {2, 6, 14, 2}, new int[] {64, 64}, PAPER_CONV,
        new TransformerConfig(true, true), 768));
  }

  private static void variant(Models.Registrar r, String name, Config config) {
    r.add(name, "CoAtNet", "timm", 224, PAPER, options -> new CoAtNet(config, 224, options));
  }

  private final int inChannels;
  private final int imgSize;
  private final Stem stem;
  private final Layer norm;
  private final Sequential head;
  private final Sequential stages;

  /** A CoAtNet for square inputs of {@code imgSize} pixels (a multiple of 32). */
  public CoAtNet(Config config, int imgSize, ModelOptions options) {
    if (imgSize < 32 || imgSize % 32 != 0) {
      throw new IllegalArgumentException("CoAtNet input size must be a positive multiple of 32, got " + imgSize);
    }
    this.inChannels = options.inChannels();
    this.imgSize = imgSize;
    int[] depths = config.depths();
    int[] dims = config.dims();
    int totalBlocks = 0;
    for (int d : depths) {
      totalBlocks += d;
    }
    double dropPath = options.dropPathRateOr(0);

    stem = register("stem", new Stem(inChannels, config.stemWidths(), config.conv().act()));
    // feature maps (timm's): the stem (stride 2) and the four stages (4 to 32; the transformer
    // stages work on NCHW maps too); forwardFeatures applies the final norm to the last one
    declareFeature(stem, config.stemWidths()[1], 2);
    stages = register("stages", new Sequential());
    int in = config.stemWidths()[1];
    int feat = imgSize / 2;
    int blockIndex = 0;
    for (int s = 0; s < 4; s++) {
      feat = (feat - 1) / 2 + 1;
      Sequential blocks = new Sequential();
      for (int b = 0; b < depths[s]; b++) {
        int stride = b == 0 ? 2 : 1;
        double p = StochasticDepth.linearRate(dropPath, blockIndex, totalBlocks);
        blocks.add(s < 2
            ? new MbConvBlock(in, dims[s], stride, config.conv(), p)
            : new TransformerBlock(in, dims[s], stride, feat, config.transformer(), p));
        in = dims[s];
        blockIndex++;
      }
      Stage stage = new Stage(blocks);
      stages.add(stage);
      declareFeature(stage, dims[s], 4 << s);
    }
    int width = dims[3];
    double dropRate = options.dropRateOr(0);
    if (config.headHiddenSize() > 0) {
      // timm's NormMlpClassifierHead: pooling, LayerNorm, the pre-logits layer (linear and tanh), dropout
      norm = register("norm", new Identity());
      head = register("head", new ClassifierHead(ClassifierHead.Pooling.AVERAGE)
          .add("norm", new LayerNorm(width, LN_EPS))
          .add("pre_logits", new Sequential().add("fc", new Linear(width, config.headHiddenSize()))
              .add("act", Activation.tanh()))
          .add("drop", new Dropout(dropRate)));
    } else {
      norm = register("norm", new LayerNorm2d(width, LN_EPS));
      head = register("head", new ClassifierHead(ClassifierHead.Pooling.AVERAGE).add("drop", new Dropout(dropRate)));
    }
    int numFeatures = config.headHiddenSize() > 0 ? config.headHiddenSize() : width;
    addClassifier(head, "fc", numFeatures, options.numClasses(), ClassifierFactory.linear());
  }

  @Override
  public Tensor forwardFeatures(Tensor x) {
    if (x.dim() != 4 || x.size(1) != inChannels || x.size(2) != imgSize || x.size(3) != imgSize) {
      throw fail("expected input of shape [N, " + inChannels + ", " + imgSize + ", " + imgSize
          + "] (the relative-position tables fix the input size), got " + Tensors.describe(x));
    }
    return norm.forward(stages.forward(stem.forward(x)));
  }

  @Override
  public Tensor forwardHead(Tensor features) {
    return head.forward(features);
  }


  /** The input size the relative-position tables were built for. */
  public int imgSize() {
    return imgSize;
  }

  /** EfficientNet-style init of timm's conv blocks: N(0, sqrt(2 / fan_out)), fan-out per group. */
  private static void initConv(Module block) {
    for (Module m : block.namedModules().values()) {
      if (m instanceof Conv2d c) {
        ConvSpec s = c.spec();
        long fanOut = (long) s.kernelH() * s.kernelW() * c.outChannels() / s.groups();
        Init.normal(c.weight(), 0, Math.sqrt(2.0 / fanOut));
        if (c.bias() != null) {
          Init.zeros(c.bias());
        }
      }
    }
  }

  /** ViT-style init of timm's transformer blocks: Xavier-uniform weights, zero biases (tiny in MLPs). */
  private static void initTransformer(Module block) {
    block.namedModules().forEach((path, m) -> {
      if (m instanceof Conv2d c) {
        Init.xavierUniform(c.weight());
        if (c.bias() != null) {
          if (path.contains("mlp")) {
            Init.normal(c.bias(), 0, 1e-6);
          } else {
            Init.zeros(c.bias());
          }
        }
      }
    });
  }

  /** timm's {@code BatchNormAct2d}: batch norm with the activation {@code act} ({@code null}: identity). */
  private static BatchNorm2d batchNormAct(int channels, Act act) {
    return BatchNorm2d.withActivation(channels, BN_EPS, act == null ? new Identity() : act.create());
  }

  /** A stage: its blocks under {@code blocks}. */
  private static final class Stage extends Layer {
    private final Sequential blocks;

    Stage(Sequential blocks) {
      this.blocks = register("blocks", blocks);
    }

    @Override
    protected Tensor compute(Tensor x) {
      return blocks.forward(x);
    }
  }

  /** 3x3/2 convolution, batch norm with activation, 3x3 convolution. */
  private static final class Stem extends Layer {
    private final Conv2d conv1;
    private final BatchNorm2d norm1;
    private final Conv2d conv2;

    Stem(int in, int[] widths, Act act) {
      conv1 = register("conv1", new Conv2d(in, widths[0], ConvSpec.kernel(3).stride(2).padding(1).noBias()));
      norm1 = register("norm1", batchNormAct(widths[0], act));
      conv2 = register("conv2", new Conv2d(widths[0], widths[1], ConvSpec.kernel(3).padding(1).noBias()));
      initConv(this);
    }

    @Override
    protected Tensor compute(Tensor x) {
      return conv2.forward(norm1.forward(conv1.forward(x)));
    }
  }

  /** 2x2/2 average pooling, then a 1x1 convolution {@code expand} if the width changes. */
  private static final class Downsample extends Layer {
    private final AvgPool2d pool;
    private final Conv2d expand;

    Downsample(int in, int out, boolean bias) {
      pool = register("pool", new AvgPool2d(2, 2));
      expand = in == out ? null : register("expand", new Conv2d(in, out, ConvSpec.kernel(1).bias(bias)));
    }

    @Override
    protected Tensor compute(Tensor x) {
      Tensor y = pool.forward(x);
      return expand == null ? y : expand.forward(y);
    }
  }

  /** Pre-norm MBConv: norm, 1x1 expansion, 3x3 depthwise, squeeze-excitation, 1x1 projection, residual. */
  private static final class MbConvBlock extends Layer {
    private final Downsample shortcut;
    private final BatchNorm2d preNorm;
    private final Downsample down;
    private final Conv2d conv1;
    private final BatchNorm2d norm1;
    private final Conv2d conv2;
    private final SqueezeExcitation seEarly;
    private final BatchNorm2d norm2;
    private final SqueezeExcitation se;
    private final Conv2d conv3;
    private final StochasticDepth dropPath;

    MbConvBlock(int in, int out, int stride, MbConvConfig cfg, double dropPathRate) {
      if (stride == 1 && in != out) {
        throw new IllegalArgumentException("an MBConv block without downsampling keeps its width: " + in + " -> " + out);
      }
      int mid = makeDivisible((cfg.expandFromOutput() ? out : in) * 4);
      int seWidth = (cfg.expandFromOutput() ? out : mid) / 4;
      boolean pool = stride == 2 && cfg.strideInPool();
      shortcut = stride == 2 ? register("shortcut", new Downsample(in, out, cfg.outputBias())) : null;
      preNorm = register("pre_norm", batchNormAct(in, cfg.preNormAct() ? cfg.act() : null));
      down = pool ? register("down", new Downsample(in, in, false)) : null;
      conv1 = register("conv1_1x1", new Conv2d(in, mid, ConvSpec.kernel(1).noBias()));
      norm1 = register("norm1", batchNormAct(mid, cfg.act()));
      conv2 = register("conv2_kxk", new Conv2d(mid, mid,
          ConvSpec.kernel(3).stride(pool ? 1 : stride).padding(1).groups(mid).noBias()));
      SqueezeExcitation squeeze = new SqueezeExcitation(mid, seWidth, cfg.seAct().create(), Activation.sigmoid());
      seEarly = cfg.seEarly() ? register("se_early", squeeze) : null;
      norm2 = register("norm2", batchNormAct(mid, cfg.act()));
      se = cfg.seEarly() ? null : register("se", squeeze);
      conv3 = register("conv3_1x1", new Conv2d(mid, out, ConvSpec.kernel(1).bias(cfg.outputBias())));
      dropPath = register("drop_path", new StochasticDepth(dropPathRate));
      initConv(this);
    }

    /** timm's make_divisible: nearest multiple of 8, never below 90% of the value. */
    private static int makeDivisible(int v) {
      int n = Math.max(8, (v + 4) / 8 * 8);
      return n < 0.9 * v ? n + 8 : n;
    }

    @Override
    protected Tensor compute(Tensor x) {
      Tensor residual = shortcut == null ? x : shortcut.forward(x);
      Tensor y = preNorm.forward(x);
      if (down != null) {
        y = down.forward(y);
      }
      y = conv2.forward(norm1.forward(conv1.forward(y)));
      if (seEarly != null) {
        y = seEarly.forward(y);
      }
      y = norm2.forward(y);
      if (se != null) {
        y = se.forward(y);
      }
      return dropPath.forward(conv3.forward(y)).add(residual);
    }
  }

  /**
   * Multi-head self-attention over all positions of an NCHW map with a relative-position bias
   * {@code rel_pos} (timm's {@code Attention2d}, heads first in the qkv channels), for the map
   * size the bias is built for. Records {@code [N, heads, HW, HW]} maps.
   */
  private static final class Attention2d extends SelfAttention {
    private final RelativePositionBias relPos;
    private final int area;

    private Attention2d(SelfAttention.Config config, int featSize, RelativePositionBias relPos) {
      super(config, "rel_pos", relPos);
      this.relPos = relPos;
      this.area = featSize * featSize;
    }

    static Attention2d of(int in, int out, int featSize, boolean expandFirst) {
      int width = expandFirst ? out : in;
      int heads = width / HEAD_DIM;
      return new Attention2d(SelfAttention.Config.maps(in, width, out, heads), featSize,
          new RelativePositionBias(featSize, heads));
    }

    @Override
    protected Tensor positionBias(Tensor x) {
      if (x.size(2) * x.size(3) != area) {
        throw fail("the relative-position bias is built for " + area + " positions, got a " + x.size(2) + "x"
            + x.size(3) + " map");
      }
      return relPos.bias();
    }
  }

  /** Pre-norm transformer block on NCHW maps; the first block of a stage pools by 2 in both branches. */
  private static final class TransformerBlock extends Layer {
    private final Downsample shortcut;
    private final Layer norm1;
    private final Attention2d attn;
    private final StochasticDepth dropPath1;
    private final LayerNorm2d norm2;
    private final Mlp mlp;
    private final StochasticDepth dropPath2;

    TransformerBlock(int in, int out, int stride, int featSize, TransformerConfig cfg, double dropPathRate) {
      if (stride == 2) {
        shortcut = register("shortcut", new Downsample(in, out, cfg.shortcutBias()));
        norm1 = register("norm1", new Sequential().add("norm", new LayerNorm2d(in, LN_EPS)).add("down", new Downsample(in, in, false)));
      } else {
        if (in != out) {
          throw new IllegalArgumentException("a transformer block without downsampling keeps its width: " + in + " -> " + out);
        }
        shortcut = null;
        norm1 = register("norm1", new LayerNorm2d(in, LN_EPS));
      }
      attn = register("attn", Attention2d.of(in, out, featSize, cfg.expandFirst()));
      dropPath1 = register("drop_path1", new StochasticDepth(dropPathRate));
      norm2 = register("norm2", new LayerNorm2d(out, LN_EPS));
      mlp = register("mlp", Mlp.maps(out, 4 * out, Activation.gelu()));
      dropPath2 = register("drop_path2", new StochasticDepth(dropPathRate));
      initTransformer(this);
    }

    @Override
    protected Tensor compute(Tensor x) {
      Tensor residual = shortcut == null ? x : shortcut.forward(x);
      Tensor y = residual.add(dropPath1.forward(attn.forward(norm1.forward(x))));
      return y.add(dropPath2.forward(mlp.forward(norm2.forward(y))));
    }
  }
}
