package io.nets4j.models;

import io.nets4j.analysis.MacCounter;
import io.nets4j.nn.Activation;
import io.nets4j.nn.AttentionMapStore;
import io.nets4j.nn.AvgPool2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.DotProductAttention;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.Dropout;
import io.nets4j.nn.F;
import io.nets4j.nn.Flatten;
import io.nets4j.nn.Identity;
import io.nets4j.nn.Init;
import io.nets4j.nn.KeepsAttentionMaps;
import io.nets4j.nn.Layer;
import io.nets4j.nn.Linear;
import io.nets4j.nn.Module;
import io.nets4j.nn.RecordsAttention;
import io.nets4j.nn.Sequential;
import io.nets4j.nn.SqueezeExcitation;
import io.nets4j.nn.StochasticDepth;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Scalar;
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
    r.add(new ModelInfo(name, "CoAtNet", "timm", 224, PAPER), options -> new CoAtNet(config, 224, options));
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
        double p = totalBlocks > 1 ? dropPath * blockIndex / (totalBlocks - 1) : 0;
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
      norm = register("norm", new Identity());
      head = register("head", new NormMlpHead(width, config.headHiddenSize(), dropRate));
    } else {
      norm = register("norm", new LayerNorm2d(width));
      head = register("head", new ClassifierHead(dropRate));
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
    private final BatchNormAct norm1;
    private final Conv2d conv2;

    Stem(int in, int[] widths, Act act) {
      conv1 = register("conv1", new Conv2d(in, widths[0], ConvSpec.kernel(3).stride(2).padding(1).noBias()));
      norm1 = register("norm1", new BatchNormAct(widths[0], act));
      conv2 = register("conv2", new Conv2d(widths[0], widths[1], ConvSpec.kernel(3).padding(1).noBias()));
      initConv(this);
    }

    @Override
    protected Tensor compute(Tensor x) {
      return conv2.forward(norm1.forward(conv1.forward(x)));
    }
  }

  /** Batch norm followed by an optional activation, with the norm's parameters as its own (timm's BatchNormAct2d). */
  private static final class BatchNormAct extends Layer {
    private final int channels;
    private final Tensor weight;
    private final Tensor bias;
    private final Tensor runningMean;
    private final Tensor runningVar;
    private final Tensor numBatchesTracked;
    private final Layer act;

    /** @param act the activation, or {@code null} for none */
    BatchNormAct(int channels, Act act) {
      this.channels = channels;
      weight = registerParameter("weight", Tensors.ones(DType.FLOAT32, channels));
      bias = registerParameter("bias", Tensors.zeros(DType.FLOAT32, channels));
      runningMean = registerBuffer("running_mean", Tensors.zeros(DType.FLOAT32, channels));
      runningVar = registerBuffer("running_var", Tensors.ones(DType.FLOAT32, channels));
      numBatchesTracked = registerBuffer("num_batches_tracked", Tensors.zeros(DType.INT64));
      this.act = register("act", act == null ? new Identity() : act.create());
    }

    @Override
    protected Tensor compute(Tensor x) {
      if (x.dim() != 4 || x.size(1) != channels) {
        throw fail("expected input of shape [N, " + channels + ", H, W], got " + Tensors.describe(x));
      }
      if (isTraining() && x.numel() == x.size(1)) {
        throw fail("expected more than 1 value per channel when training, got input " + Tensors.describe(x));
      }
      if (isTraining()) {
        try (org.bytedeco.pytorch.NoGradGuard g = new org.bytedeco.pytorch.NoGradGuard()) {
          numBatchesTracked.add_(new Scalar(1L));
        }
      }
      return act.forward(F.batchNorm(x, weight, bias, runningMean, runningVar, isTraining(), 0.1, BN_EPS));
    }

    @Override
    public String typeName() {
      return "BatchNormAct2d";
    }
  }

  /** LayerNorm over the channels of an NCHW map (timm's LayerNorm2d). */
  private static final class LayerNorm2d extends Layer {
    private final long[] shape;
    private final Tensor weight;
    private final Tensor bias;

    LayerNorm2d(int channels) {
      shape = new long[] {channels};
      weight = registerParameter("weight", Tensors.ones(DType.FLOAT32, channels));
      bias = registerParameter("bias", Tensors.zeros(DType.FLOAT32, channels));
    }

    @Override
    protected Tensor compute(Tensor x) {
      if (x.dim() != 4 || x.size(1) != shape[0]) {
        throw fail("expected input of shape [N, " + shape[0] + ", H, W], got " + Tensors.describe(x));
      }
      return F.layerNorm(x.permute(0, 2, 3, 1), shape, weight, bias, LN_EPS).permute(0, 3, 1, 2);
    }

    @Override
    public String typeName() {
      return "LayerNorm2d";
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
    private final BatchNormAct preNorm;
    private final Downsample down;
    private final Conv2d conv1;
    private final BatchNormAct norm1;
    private final Conv2d conv2;
    private final SqueezeExcitation seEarly;
    private final BatchNormAct norm2;
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
      preNorm = register("pre_norm", new BatchNormAct(in, cfg.preNormAct() ? cfg.act() : null));
      down = pool ? register("down", new Downsample(in, in, false)) : null;
      conv1 = register("conv1_1x1", new Conv2d(in, mid, ConvSpec.kernel(1).noBias()));
      norm1 = register("norm1", new BatchNormAct(mid, cfg.act()));
      conv2 = register("conv2_kxk", new Conv2d(mid, mid,
          ConvSpec.kernel(3).stride(pool ? 1 : stride).padding(1).groups(mid).noBias()));
      SqueezeExcitation squeeze = new SqueezeExcitation(mid, seWidth, cfg.seAct().create(), Activation.sigmoid());
      seEarly = cfg.seEarly() ? register("se_early", squeeze) : null;
      norm2 = register("norm2", new BatchNormAct(mid, cfg.act()));
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

  /** The learned relative-position bias of one attention layer over an {@code size x size} map. */
  private static final class RelPosBias extends Module {
    private final int area;
    private final int heads;
    private final Tensor table;
    private final Tensor index;

    RelPosBias(int size, int heads) {
      this.area = size * size;
      this.heads = heads;
      int span = 2 * size - 1;
      table = registerParameter("relative_position_bias_table",
          Init.truncNormal(Tensors.empty(DType.FLOAT32, (long) span * span, heads), 0.02, -2, 2));
      // index[i, j] = table row of the offset (dy, dx) from query i to key j, positions row-major
      long[] idx = new long[area * area];
      for (int i = 0; i < area; i++) {
        for (int j = 0; j < area; j++) {
          int dy = i / size - j / size + size - 1;
          int dx = i % size - j % size + size - 1;
          idx[i * area + j] = (long) dy * span + dx;
        }
      }
      index = registerBuffer("relative_position_index", Tensors.fromLongs(idx), false);
    }

    /** The additive bias {@code [1, heads, area, area]}. */
    Tensor bias() {
      return table.index_select(0, index).view(area, area, heads).permute(2, 0, 1).unsqueeze(0).contiguous();
    }
  }

  /**
   * Multi-head self-attention over all positions of an NCHW map, with relative-position bias
   * (timm's Attention2d, heads first in the qkv channels). Records {@code [N, heads, HW, HW]} maps.
   */
  private static final class Attention2d extends Layer implements KeepsAttentionMaps {
    private final Conv2d qkv;
    private final RelPosBias relPos;
    private final Conv2d proj;
    private final int heads;
    private final int area;
    private final DotProductAttention kernel = new DotProductAttention();

    Attention2d(int in, int out, int featSize, boolean expandFirst) {
      int width = expandFirst ? out : in;
      heads = width / HEAD_DIM;
      area = featSize * featSize;
      qkv = register("qkv", new Conv2d(in, 3 * width, ConvSpec.kernel(1)));
      relPos = register("rel_pos", new RelPosBias(featSize, heads));
      proj = register("proj", new Conv2d(width, out, ConvSpec.kernel(1)));
    }

    @Override
    protected Tensor compute(Tensor x) {
      long n = x.size(0);
      long h = x.size(2);
      long w = x.size(3);
      if (h * w != area) {
        throw fail("the relative-position bias is built for " + area + " positions, got a " + h + "x" + w + " map");
      }
      // heads first in the channels: [N, heads, 3 * d, HW], each part as tokens [N, heads, HW, d]
      Tensor[] qkvs = Tensors.owned(qkv.forward(x).view(n, heads, 3L * HEAD_DIM, h * w).chunk(3, 2));
      Tensor q = qkvs[0].transpose(-1, -2).contiguous();
      Tensor k = qkvs[1].transpose(-1, -2).contiguous();
      Tensor v = qkvs[2].transpose(-1, -2).contiguous();
      // q k^T and attn v: matrix products that no per-layer MAC rule sees
      MacCounter.addMatmul(n * heads, h * w, HEAD_DIM, h * w);
      MacCounter.addMatmul(n * heads, h * w, h * w, HEAD_DIM);
      Tensor y = kernel.apply(q, k, v, relPos.bias(), 1.0 / Math.sqrt(HEAD_DIM), 0, false);
      return proj.forward(y.transpose(-1, -2).reshape(n, -1, h, w));
    }

    @Override
    public AttentionMapStore attentionMaps() {
      return kernel.maps();
    }
  }

  /** 1x1 convolution MLP: {@code fc1}, GELU, {@code fc2}. */
  private static final class ConvMlp extends Layer {
    private final Conv2d fc1;
    private final Activation act;
    private final Conv2d fc2;

    ConvMlp(int width, int hidden) {
      fc1 = register("fc1", new Conv2d(width, hidden, ConvSpec.kernel(1)));
      act = register("act", Activation.gelu());
      fc2 = register("fc2", new Conv2d(hidden, width, ConvSpec.kernel(1)));
    }

    @Override
    protected Tensor compute(Tensor x) {
      return fc2.forward(act.forward(fc1.forward(x)));
    }
  }

  /** Pre-norm transformer block on NCHW maps; the first block of a stage pools by 2 in both branches. */
  private static final class TransformerBlock extends Layer {
    private final Downsample shortcut;
    private final Layer norm1;
    private final Attention2d attn;
    private final StochasticDepth dropPath1;
    private final LayerNorm2d norm2;
    private final ConvMlp mlp;
    private final StochasticDepth dropPath2;

    TransformerBlock(int in, int out, int stride, int featSize, TransformerConfig cfg, double dropPathRate) {
      if (stride == 2) {
        shortcut = register("shortcut", new Downsample(in, out, cfg.shortcutBias()));
        norm1 = register("norm1", new Sequential().add("norm", new LayerNorm2d(in)).add("down", new Downsample(in, in, false)));
      } else {
        if (in != out) {
          throw new IllegalArgumentException("a transformer block without downsampling keeps its width: " + in + " -> " + out);
        }
        shortcut = null;
        norm1 = register("norm1", new LayerNorm2d(in));
      }
      attn = register("attn", new Attention2d(in, out, featSize, cfg.expandFirst()));
      dropPath1 = register("drop_path1", new StochasticDepth(dropPathRate));
      norm2 = register("norm2", new LayerNorm2d(out));
      mlp = register("mlp", new ConvMlp(out, 4 * out));
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

  /**
   * Global average pooling, dropout and the classifier {@code fc}, which the model appends (timm's
   * ClassifierHead).
   */
  private static final class ClassifierHead extends Sequential {
    ClassifierHead(double dropRate) {
      add("drop", new Dropout(dropRate));
    }

    @Override
    protected Tensor compute(Tensor x) {
      return super.compute(F.globalAvgPool(x));
    }
  }

  /**
   * Global average pooling, LayerNorm, flatten, the pre-logits layer (linear and tanh), dropout and
   * the classifier {@code fc}, which the model appends (timm's NormMlpClassifierHead).
   */
  private static final class NormMlpHead extends Sequential {
    NormMlpHead(int width, int hidden, double dropRate) {
      add("norm", new LayerNorm2d(width));
      add("flatten", new Flatten(1));
      add("pre_logits", new Sequential().add("fc", new Linear(width, hidden)).add("act", Activation.tanh()));
      add("drop", new Dropout(dropRate));
    }

    @Override
    protected Tensor compute(Tensor x) {
      return super.compute(F.adaptiveAvgPool2d(x, 1, 1));
    }
  }
}
