package io.nets4j.models;

import io.nets4j.layers.ClassifierHead.Pooling;
import io.nets4j.layers.SelfAttention;
import io.nets4j.nn.Activation;
import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.Dropout;
import io.nets4j.nn.F;
import io.nets4j.nn.Init;
import io.nets4j.nn.Layer;
import io.nets4j.nn.LayerNorm;
import io.nets4j.nn.Linear;
import io.nets4j.nn.Module;
import io.nets4j.nn.RecordsAttention;
import io.nets4j.nn.Sequential;
import io.nets4j.nn.StochasticDepth;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * LocalViT (Li et al. 2021, "LocalViT: Bringing Locality to Vision Transformers"): DeiT (Touvron
 * et al. 2021) whose feed-forward network works on the patch tokens laid out as their grid, with a
 * 3x3 depthwise convolution between its two point-wise layers. Structure and parameter names follow
 * the official code (github.com/ofsoundof/LocalViT, {@code models/localvit.py}): a timm
 * {@code VisionTransformer} ({@code cls_token, pos_embed, patch_embed.proj, blocks.i, norm, head},
 * LayerNorm eps 1e-6, qkv with bias) whose blocks are
 * <pre>
 *   x = x + drop_path(attn(norm1(x)))
 *   patches = patches + conv(patches)          (the class token bypasses it)
 * </pre>
 * with {@code conv} ({@code LocalityFeedForward}) the sequence {@code 0} 1x1 conv (no bias) to
 * {@code 4D}, {@code 1} BatchNorm, {@code 2} h-swish, {@code 3} 3x3 depthwise conv, {@code 4} BatchNorm,
 * {@code 5} h-swish, {@code 6} squeeze-excitation ({@code fc.0}, ReLU, {@code fc.2}, h-sigmoid),
 * {@code 7} 1x1 conv back to {@code D}, {@code 8} BatchNorm. As in the official code the block has no
 * LayerNorm before the feed-forward network (its BatchNorms normalise) and no stochastic depth on it.
 *
 * <p>Variants (official registry names): {@code localvit_tiny_mlp4_act3_r192} = LocalViT-T
 * (width 192, 4 heads, SE reduction 192) and {@code localvit_small_mlp4_act3_r384} = LocalViT-S
 * (width 384, 8 heads, SE reduction 384), both 12 blocks of 16x16 patches at 224.
 *
 * <p>The position embedding is learnt for one input size (224 x 224, a 14 x 14 grid, for the
 * registered variants); other sizes are rejected. <b>Attention weights:</b> every {@code attn} module implements
 * {@link RecordsAttention}; its maps have shape {@code [N, heads, 197, 197]}, token 0 being the
 * class token and tokens {@code 1..196} the patches in row-major order.
 */
public final class LocalViT extends ImageClassifier {
  /**
   * A LocalViT variant.
   *
   * @param embedDim token width
   * @param depth number of blocks
   * @param numHeads attention heads
   * @param mlpRatio hidden width of the feed-forward network over {@code embedDim}
   * @param seReduction squeeze-excitation reduction of the hidden width
   */
  public record Config(int embedDim, int depth, int numHeads, int mlpRatio, int seReduction) {
    public Config {
      if (embedDim % numHeads != 0 || depth < 1 || mlpRatio < 1 || embedDim * mlpRatio % seReduction != 0) {
        throw new IllegalArgumentException("invalid LocalViT config: width " + embedDim + ", " + numHeads
            + " heads, depth " + depth + ", mlp ratio " + mlpRatio + ", SE reduction " + seReduction);
      }
    }
  }

  private static final int DEFAULT_IMAGE_SIZE = 224;
  private static final int PATCH_SIZE = 16;
  private static final double LN_EPS = 1e-6;
  private static final String PAPER = "Li et al. 2021, LocalViT: Bringing Locality to Vision Transformers";

  /** Registers LocalViT-T and LocalViT-S. */
  static void register(Models.Registrar r) {
    variant(r, "localvit_tiny_mlp4_act3_r192", new Config(192, 12, 4, 4, 192));
    variant(r, "localvit_small_mlp4_act3_r384", new Config(384, 12, 8, 4, 384));
  }

  private static void variant(Models.Registrar r, String name, Config config) {
    r.add(name, "LocalViT", "ofsoundof/LocalViT", DEFAULT_IMAGE_SIZE, PAPER,
        options -> new LocalViT(config, options));
  }

  private final Tensor clsToken;
  private final Tensor posEmbed;
  private final Conv2d patchEmbed;
  private final Dropout posDrop;
  private final Sequential blocks;
  private final LayerNorm norm;
  private final int imageSize;

  /** A model for 224 x 224 images. */
  public LocalViT(Config config, ModelOptions options) {
    this(config, DEFAULT_IMAGE_SIZE, options);
  }

  /**
   * A model whose position embedding is learnt for {@code imageSize x imageSize} images.
   * {@code options.dropPathRate()} is the stochastic-depth rate of the last block (default 0.1, the
   * training default of the official {@code main.py}); {@code options.dropRate()} is timm's
   * {@code drop_rate} (after the position embedding and the attention projection; default 0).
   */
  public LocalViT(Config config, int imageSize, ModelOptions options) {
    if (imageSize < PATCH_SIZE || imageSize % PATCH_SIZE != 0) {
      throw new IllegalArgumentException("image size " + imageSize + " is not a positive multiple of the patch size "
          + PATCH_SIZE);
    }
    int embedDim = config.embedDim;
    this.imageSize = imageSize;
    int grid = imageSize / PATCH_SIZE;
    double dropRate = options.dropRateOr(0.0);
    double dropPath = options.dropPathRateOr(0.1);
    clsToken = registerParameter("cls_token",
        Init.truncNormal(Tensors.empty(DType.FLOAT32, 1, 1, embedDim), 0.02, -2, 2));
    posEmbed = registerParameter("pos_embed",
        Init.truncNormal(Tensors.empty(DType.FLOAT32, 1, grid * grid + 1, embedDim), 0.02, -2, 2));
    Sequential pe = register("patch_embed", new Sequential());
    patchEmbed = new Conv2d(options.inChannels(), embedDim, ConvSpec.kernel(PATCH_SIZE).stride(PATCH_SIZE));
    pe.add("proj", patchEmbed);
    posDrop = register("pos_drop", new Dropout(dropRate));
    blocks = register("blocks", new Sequential());
    for (int i = 0; i < config.depth; i++) {
      blocks.add(new Block(config, dropRate, StochasticDepth.linearRate(dropPath, i, config.depth)));
    }
    norm = register("norm", new LayerNorm(embedDim, LN_EPS));
    registerClassifier("head", embedDim, options.numClasses(), ClassifierFactory.linear(LocalViT::initLinear));
    declareHead(Pooling.TOKEN, null);
    for (Module m : namedModules().values()) {
      if (m instanceof Linear l) {
        initLinear(l);
      }
    }
  }

  /** timm's ViT initialisation of linear layers. */
  private static void initLinear(Linear l) {
    Init.truncNormal(l.weight(), 0.02, -2, 2);
    Init.zeros(l.bias());
  }

  /** The normalised tokens {@code [N, 1 + g*g, D]} (197 at 224), class token first. */
  @Override
  public Tensor forwardFeatures(Tensor x) {
    if (x.dim() == 4 && (x.size(2) != imageSize || x.size(3) != imageSize)) {
      throw fail("expected " + imageSize + "x" + imageSize + " images (the position embedding's grid), got "
          + Tensors.describe(x));
    }
    Tensor patches = patchEmbed.forward(x).flatten(2, -1).transpose(1, 2);
    Tensor tokens = Tensors.cat(List.of(clsToken.expand(new long[] {x.size(0), -1, -1}), patches), 1);
    return norm.forward(blocks.forward(posDrop.forward(tokens.add(posEmbed))));
  }

  /** Attention with a residual, then the locality feed-forward network on the patch grid. */
  static final class Block extends Layer {
    private final LayerNorm norm1;
    private final SelfAttention attn;
    private final StochasticDepth dropPath;
    private final LocalityFeedForward conv;
    private final int dim;

    Block(Config c, double dropRate, double dropPathRate) {
      dim = c.embedDim;
      norm1 = register("norm1", new LayerNorm(dim, LN_EPS));
      attn = register("attn", new SelfAttention(SelfAttention.Config.tokens(dim, c.numHeads).withProjDrop(dropRate, true)));
      dropPath = register("drop_path", new StochasticDepth(dropPathRate));
      conv = register("conv", new LocalityFeedForward(dim, dim * c.mlpRatio, c.seReduction));
    }

    @Override
    protected Tensor compute(Tensor x) {
      long tokens = x.dim() == 3 ? x.size(1) : -1;
      long grid = Math.round(Math.sqrt(tokens - 1));
      if (tokens < 2 || grid * grid != tokens - 1 || x.size(2) != dim) {
        throw fail("expected tokens [N, 1 + g*g, " + dim + "] (a class token and a square grid of patches), got "
            + Tensors.describe(x));
      }
      Tensor y = x.add(dropPath.forward(attn.forward(norm1.forward(x))));
      Tensor cls = y.narrow(1, 0, 1);
      Tensor map = y.narrow(1, 1, tokens - 1).transpose(1, 2).reshape(x.size(0), dim, grid, grid);
      Tensor patches = conv.forward(map).flatten(2, -1).transpose(1, 2);
      return Tensors.cat(List.of(cls, patches), 1);
    }
  }

  /**
   * The feed-forward network as convolutions on the patch grid, with its own residual: 1x1 expand,
   * 3x3 depthwise, squeeze-excitation, 1x1 project, BatchNorm after each convolution, h-swish.
   */
  static final class LocalityFeedForward extends Layer {
    private final Sequential conv;

    LocalityFeedForward(int dim, int hidden, int seReduction) {
      conv = register("conv", new Sequential(
          new Conv2d(dim, hidden, ConvSpec.kernel(1).noBias()),
          new BatchNorm2d(hidden),
          Activation.hardswish(),
          new Conv2d(hidden, hidden, ConvSpec.kernel(3).padding(1).groups(hidden).noBias()),
          new BatchNorm2d(hidden),
          Activation.hardswish(),
          new SqueezeExcite(hidden, hidden / seReduction),
          new Conv2d(hidden, dim, ConvSpec.kernel(1).noBias()),
          new BatchNorm2d(dim)));
    }

    @Override
    protected Tensor compute(Tensor x) {
      return x.add(conv.forward(x));
    }
  }

  /**
   * The official {@code SELayer}: global average pooling, {@code fc} = linear, ReLU, linear,
   * h-sigmoid; the result rescales the channels.
   */
  static final class SqueezeExcite extends Layer {
    private final Sequential fc;

    SqueezeExcite(int channels, int squeezed) {
      fc = register("fc", new Sequential(new Linear(channels, squeezed), Activation.relu(),
          new Linear(squeezed, channels), Activation.hardsigmoid()));
    }

    @Override
    protected Tensor compute(Tensor x) {
      Tensor s = fc.forward(F.globalAvgPool(x));
      return x.mul(s.unsqueeze(2).unsqueeze(3));
    }

    @Override
    public String typeName() {
      return "SELayer";
    }
  }
}
