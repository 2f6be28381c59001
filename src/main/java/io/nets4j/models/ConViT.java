package io.nets4j.models;

import io.nets4j.layers.ClassifierHead.Pooling;
import io.nets4j.layers.Mlp;
import io.nets4j.layers.SelfAttention;
import io.nets4j.nn.Activation;
import io.nets4j.nn.AttentionMapStore;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.DotProductAttention;
import io.nets4j.nn.Dropout;
import io.nets4j.nn.Init;
import io.nets4j.nn.KeepsAttentionMaps;
import io.nets4j.nn.Layer;
import io.nets4j.nn.LayerNorm;
import io.nets4j.nn.Linear;
import io.nets4j.nn.MacCounter;
import io.nets4j.nn.Module;
import io.nets4j.nn.ModuleList;
import io.nets4j.nn.RecordsAttention;
import io.nets4j.nn.StochasticDepth;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * ConViT (d'Ascoli et al. 2021, "ConViT: Improving Vision Transformers with Soft Convolutional
 * Inductive Biases"), in timm's structure and parameter names ({@code timm/models/convit.py}).
 *
 * <p>A ViT whose first {@code localLayers} blocks use gated positional self-attention (GPSA): each
 * head mixes content attention {@code softmax(q k^T / sqrt(d))} with positional attention
 * {@code softmax(pos_proj(r))}, where {@code r = (dx, dy, dx^2 + dy^2)} is the offset between two
 * patches, through a learned gate {@code sigmoid(gating_param)} per head. At initialisation
 * ({@code local_init}) the positional part of head {@code h} attends to one neighbour of a
 * {@code sqrt(heads) x sqrt(heads)} grid around each patch, sharply with {@code locality_strength},
 * so the block starts as a convolution and may learn to become global. The class token joins after
 * the GPSA blocks; the remaining blocks use ordinary multi-head self-attention (MHSA).
 *
 * <p>Attention weights: every {@code attn} implements {@link RecordsAttention}, with maps of shape
 * {@code [N, heads, T, T]} over the {@code T} tokens of the block (patches in row-major order,
 * preceded by the class token in the MHSA blocks). For GPSA the map is the gated mixture that is
 * applied to the values. Without recording, MHSA runs libtorch's fused
 * {@code scaled_dot_product_attention}, and GPSA runs it for its content part and applies its
 * batch-independent positional part separately (the gated mixture of two row-stochastic maps is
 * itself row-stochastic, so timm's renormalisation changes nothing but rounding).
 */
public final class ConViT extends ImageClassifier {
  /**
   * A ConViT variant.
   *
   * @param embedDimPerHead channels per head ({@code embed_dim} in timm, multiplied by the heads)
   * @param heads attention heads (a square number, so that GPSA heads tile a square neighbourhood)
   * @param depth transformer blocks
   * @param localLayers leading blocks that use GPSA ({@code local_up_to_layer})
   * @param localityStrength sharpness of the initial positional attention
   * @param patchSize side of the square patches
   */
  public record Config(int embedDimPerHead, int heads, int depth, int localLayers, double localityStrength,
      int patchSize) {
    public Config {
      if (localLayers < 0 || localLayers > depth) {
        throw new IllegalArgumentException("localLayers must be in [0, depth], got " + localLayers);
      }
      int k = (int) Math.round(Math.sqrt(heads));
      if (k * k != heads) {
        throw new IllegalArgumentException("GPSA heads tile a square neighbourhood: heads must be a square, got " + heads);
      }
    }

    int dim() {
      return embedDimPerHead * heads;
    }
  }

  private static final double LN_EPS = 1e-6;
  private static final String PAPER =
      "d'Ascoli et al. 2021, ConViT: Improving Vision Transformers with Soft Convolutional Inductive Biases";

  /** Registers timm's {@code convit_tiny}, {@code convit_small} and {@code convit_base}. */
  static void register(Models.Registrar r) {
    variant(r, "convit_tiny", new Config(48, 4, 12, 10, 1.0, 16));
    variant(r, "convit_small", new Config(48, 9, 12, 10, 1.0, 16));
    variant(r, "convit_base", new Config(48, 16, 12, 10, 1.0, 16));
  }

  private static void variant(Models.Registrar r, String name, Config config) {
    r.add(name, "ConViT", "timm", 224, PAPER, options -> new ConViT(config, 224, options));
  }

  private final int inChannels;
  private final int imgSize;
  private final int localLayers;
  private final Tensor clsToken;
  private final Tensor posEmbed;
  private final PatchEmbed patchEmbed;
  private final ModuleList<Block> blocks;
  private final LayerNorm norm;

  /** A ConViT for square inputs of {@code imgSize} pixels (a multiple of the patch size). */
  public ConViT(Config config, int imgSize, ModelOptions options) {
    if (imgSize < config.patchSize() || imgSize % config.patchSize() != 0) {
      throw new IllegalArgumentException("ConViT input size must be a positive multiple of the patch size "
          + config.patchSize() + ", got " + imgSize);
    }
    inChannels = options.inChannels();
    this.imgSize = imgSize;
    int dim = config.dim();
    localLayers = config.localLayers();
    int grid = imgSize / config.patchSize();
    clsToken = registerParameter("cls_token", Init.truncNormal(Tensors.empty(DType.FLOAT32, 1, 1, dim), 0.02, -2, 2));
    posEmbed = registerParameter("pos_embed",
        Init.truncNormal(Tensors.empty(DType.FLOAT32, 1, (long) grid * grid, dim), 0.02, -2, 2));
    patchEmbed = register("patch_embed", new PatchEmbed(inChannels, dim, config.patchSize()));
    blocks = register("blocks", new ModuleList<>());
    double dropPath = options.dropPathRateOr(0);
    for (int i = 0; i < config.depth(); i++) {
      blocks.add(new Block(dim, config.heads(), i < localLayers, config.localityStrength(),
          StochasticDepth.linearRate(dropPath, i, config.depth())));
    }
    norm = register("norm", new LayerNorm(dim, LN_EPS));
    Dropout headDrop = register("head_drop", new Dropout(options.dropRateOr(0)));
    registerClassifier("head", dim, options.numClasses(), ClassifierFactory.linear());
    declareHead(Pooling.TOKEN, headDrop);
    initWeights();
  }

  /** timm's init: truncated-normal linear weights, zero biases, then GPSA's local init. */
  private void initWeights() {
    for (Module m : namedModules().values()) {
      if (m instanceof Linear l) {
        Init.truncNormal(l.weight(), 0.02, -2, 2);
        if (l.bias() != null) {
          Init.zeros(l.bias());
        }
      }
    }
    for (Block b : blocks) {
      if (b.attn instanceof Gpsa g) {
        g.localInit();
      }
    }
  }

  /** The normalised tokens {@code [N, 1 + patches, dim]}, class token first. */
  @Override
  public Tensor forwardFeatures(Tensor x) {
    if (x.dim() != 4 || x.size(1) != inChannels || x.size(2) != imgSize || x.size(3) != imgSize) {
      throw fail("expected input of shape [N, " + inChannels + ", " + imgSize + ", " + imgSize
          + "] (the position embedding fixes the input size), got " + Tensors.describe(x));
    }
    Tensor t = patchEmbed.forward(x).add(posEmbed);
    Tensor cls = clsToken.expand(t.size(0), -1, -1);
    for (int i = 0; i < blocks.size(); i++) {
      if (i == localLayers) {
        t = Tensors.cat(List.of(cls, t), 1);
      }
      t = blocks.get(i).forward(t);
    }
    if (localLayers == blocks.size()) {
      t = Tensors.cat(List.of(cls, t), 1);
    }
    return norm.forward(t);
  }

  /** Non-overlapping patches projected by a strided convolution, as tokens {@code [N, patches, dim]}. */
  private static final class PatchEmbed extends Layer {
    private final Conv2d proj;

    PatchEmbed(int in, int dim, int patch) {
      proj = register("proj", new Conv2d(in, dim, ConvSpec.kernel(patch).stride(patch)));
    }

    @Override
    protected Tensor compute(Tensor x) {
      return proj.forward(x).flatten(2, -1).transpose(1, 2);
    }
  }

  /** Pre-norm transformer block with GPSA or MHSA. */
  private static final class Block extends Layer {
    private final LayerNorm norm1;
    private final Layer attn;
    private final StochasticDepth dropPath;
    private final LayerNorm norm2;
    private final Mlp mlp;

    Block(int dim, int heads, boolean gpsa, double localityStrength, double dropPathRate) {
      norm1 = register("norm1", new LayerNorm(dim, LN_EPS));
      attn = register("attn", gpsa ? new Gpsa(dim, heads, localityStrength)
          : new SelfAttention(SelfAttention.Config.tokens(dim, heads).withoutQkvBias().named("MHSA")));
      dropPath = register("drop_path", new StochasticDepth(dropPathRate));
      norm2 = register("norm2", new LayerNorm(dim, LN_EPS));
      mlp = register("mlp", Mlp.tokens(dim, 4 * dim, Activation.gelu()));
    }

    @Override
    protected Tensor compute(Tensor x) {
      Tensor y = x.add(dropPath.forward(attn.forward(norm1.forward(x))));
      return y.add(dropPath.forward(mlp.forward(norm2.forward(y))));
    }
  }

  /**
   * Gated positional self-attention over the patch tokens of a square grid (timm's GPSA):
   * {@code gating_param} (one gate per head), {@code qk} and {@code v} projections without bias,
   * {@code proj}, and {@code pos_proj} mapping the relative offsets {@code (dx, dy, dx^2 + dy^2)}
   * to one positional score per head. Records {@code [N, heads, T, T]} maps.
   */
  private static final class Gpsa extends Layer implements KeepsAttentionMaps {
    private final int dim;
    private final int heads;
    private final double scale;
    private final DotProductAttention kernel = new DotProductAttention();
    private final double localityStrength;
    private final Tensor gatingParam;
    private final Linear qk;
    private final Linear v;
    private final Linear proj;
    private final Linear posProj;
    private Tensor relIndices;

    Gpsa(int dim, int heads, double localityStrength) {
      if (dim % heads != 0) {
        throw new IllegalArgumentException("width " + dim + " is not divisible by " + heads + " heads");
      }
      this.dim = dim;
      this.heads = heads;
      this.scale = Math.pow(dim / heads, -0.5);
      this.localityStrength = localityStrength;
      gatingParam = registerParameter("gating_param", Tensors.ones(DType.FLOAT32, heads));
      qk = register("qk", new Linear(dim, 2 * dim, false));
      v = register("v", new Linear(dim, dim, false));
      proj = register("proj", new Linear(dim, dim));
      posProj = register("pos_proj", new Linear(3, heads));
    }

    /**
     * The paper's local init: {@code v} is the identity, and head {@code h1 + k * h2} of a
     * {@code k x k} grid ({@code k = sqrt(heads)}) scores position offsets by
     * {@code -locality * |r - c_h|^2} up to a constant, peaking at its grid offset {@code c_h}.
     */
    void localInit() {
      int k = (int) Math.round(Math.sqrt(heads));
      double center = k % 2 == 0 ? (k - 1) / 2.0 : k / 2;
      float[] w = new float[heads * 3];
      for (int h1 = 0; h1 < k; h1++) {
        for (int h2 = 0; h2 < k; h2++) {
          int h = h1 + k * h2;
          w[h * 3 + 2] = -1;
          w[h * 3 + 1] = (float) (2 * (h1 - center));
          w[h * 3] = (float) (2 * (h2 - center));
        }
      }
      Tensor scaled = Tensors.fromFloats(w, heads, 3).mul(new Scalar(localityStrength));
      try (NoGradGuard g = new NoGradGuard()) {
        v.weight().copy_(torch.eye(dim, Tensors.options(DType.FLOAT32)));
        posProj.weight().copy_(scaled);
      }
    }

    /** {@code [T, T, 3]} offsets {@code (dx, dy, dx^2 + dy^2)} from query patch to key patch. */
    private Tensor relIndices(long tokens, Tensor like) {
      if (relIndices == null || relIndices.size(0) != tokens || relIndices.scalar_type() != like.scalar_type()
          || !relIndices.device().equals(like.device())) {
        int side = (int) Math.round(Math.sqrt(tokens));
        int t = (int) tokens;
        double[] r = new double[t * t * 3];
        for (int i = 0; i < t; i++) {
          for (int j = 0; j < t; j++) {
            int dx = j % side - i % side;
            int dy = j / side - i / side;
            int o = (i * t + j) * 3;
            r[o] = dx;
            r[o + 1] = dy;
            r[o + 2] = dx * dx + dy * dy;
          }
        }
        relIndices = Scope.detachFromScopes(
            Tensors.fromDoubles(r, t, t, 3).to(like.device(), like.scalar_type()));
      }
      return relIndices;
    }

    @Override
    protected Tensor compute(Tensor x) {
      if (x.dim() != 3 || x.size(2) != dim) {
        throw fail("expected tokens of shape [N, T, " + dim + "], got " + Tensors.describe(x));
      }
      long tokens = x.size(1);
      long side = Math.round(Math.sqrt(tokens));
      if (side * side != tokens) {
        throw fail("GPSA needs the patches of a square grid, got " + tokens + " tokens");
      }
      Tensor[] qks = Tensors.owned(qk.forward(x).chunk(2, -1));
      Tensor q = DotProductAttention.splitHeads(qks[0], heads);
      Tensor k = DotProductAttention.splitHeads(qks[1], heads);
      Tensor vals = DotProductAttention.splitHeads(v.forward(x), heads);
      // positional scores do not depend on the image: [1, heads, T, T]
      Tensor posAttn = posProj.forward(relIndices(tokens, x)).permute(2, 0, 1).softmax(-1).unsqueeze(0);
      Tensor gate = gatingParam.sigmoid().view(1, -1, 1, 1);
      Tensor keep = gate.neg().add(new Scalar(1.0));
      Tensor y;
      if (isRecordingAttention()) {
        // the gated map itself is recorded, so it is built explicitly (and its products counted here)
        MacCounter.addMatmul(x.size(0) * heads, tokens, dim / heads, tokens);
        MacCounter.addMatmul(x.size(0) * heads, tokens, tokens, dim / heads);
        Tensor attn = keep.mul(DotProductAttention.weights(q, k, null, scale)).add(gate.mul(posAttn));
        attn = attentionMaps().keep(attn.div(attn.sum(new long[] {-1}, true, new ScalarTypeOptional())));
        y = attn.matmul(vals);
      } else {
        // the kernel counts q k^T and one map times v, as timm computes it (one gated map), although
        // the positional map is applied to v separately here
        Tensor content = kernel.apply(q, k, vals, null, scale, 0, false);
        y = keep.mul(content).add(gate.mul(posAttn.matmul(vals)));
      }
      return proj.forward(DotProductAttention.mergeHeads(y));
    }

    @Override
    public AttentionMapStore attentionMaps() {
      return kernel.maps();
    }

    @Override
    public String typeName() {
      return "GPSA";
    }
  }
}
