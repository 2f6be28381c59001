package io.nets4j.models;

import io.nets4j.layers.Mlp;
import io.nets4j.nn.AttentionMapStore;
import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.DotProductAttention;
import io.nets4j.nn.Dropout;
import io.nets4j.nn.Init;
import io.nets4j.nn.KeepsAttentionMaps;
import io.nets4j.nn.Layer;
import io.nets4j.nn.LayerException;
import io.nets4j.nn.LayerNorm;
import io.nets4j.nn.Linear;
import io.nets4j.nn.Module;
import io.nets4j.nn.ModuleList;
import io.nets4j.nn.RecordsAttention;
import io.nets4j.nn.Sequential;
import io.nets4j.nn.StochasticDepth;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;

/**
 * CvT, the Convolutional vision Transformer (Wu et al. 2021, "CvT: Introducing Convolutions to
 * Vision Transformers"), with the structure and parameter names of the official code
 * (github.com/microsoft/CvT, {@code lib/models/cls_cvt.py}), so that its checkpoints load as they are.
 *
 * <p>Where each design detail comes from:
 * <ul>
 *   <li>Three stages {@code stage0..2}, each beginning with a <i>convolutional token embedding</i>
 *       ({@code patch_embed}: an overlapping strided convolution with bias, then LayerNorm over the
 *       channels): 7x7 stride 4 padding 2, then 3x3 stride 2 padding 1 twice; widths 64, 192, 384;
 *       heads 1, 3, 6; depths 1-2-10 (CvT-13) and 1-4-16 (CvT-21); MLP ratio 4 — paper, Table 2;
 *       paddings from the official configs ({@code experiments/imagenet/cvt/cvt-13-224x224.yaml},
 *       also in Hugging Face's {@code microsoft/cvt-13} config).
 *   <li><i>Convolutional projection</i> ({@code attn.conv_proj_q/k/v}): a 3x3 depthwise convolution
 *       without bias and BatchNorm on the token map, stride 1 for queries and 2 for keys and values
 *       ("squeezed" projection) — paper Section 3.2 and the configs ({@code QKV_PROJ_METHOD dw_bn},
 *       {@code STRIDE_KV 2}); then linear {@code proj_q/k/v} with bias ({@code QKV_BIAS True}).
 *   <li>The attention scale is {@code dim^-0.5} with {@code dim} the full stage width, not the
 *       head width — official code ({@code self.scale = dim_out ** -0.5}); kept for its weights.
 *   <li>No position embedding ({@code POS_EMBED False}) — paper Section 3.4.
 *   <li>A class token only in the last stage ({@code stage2.cls_token}); it is concatenated to the
 *       tokens before the blocks, bypasses the convolutional projections (it joins q, k and v after
 *       them), and after a final LayerNorm ({@code norm}) feeds the classifier {@code head} — paper
 *       Section 3.1 and official code.
 *   <li>Pre-norm blocks ({@code norm1, attn, norm2, mlp.fc1/fc2}) with the activation
 *       {@code QuickGELU} {@code x * sigmoid(1.702 x)}, LayerNorm eps 1e-5 — official
 *       {@code get_cls_model}.
 *   <li>Stochastic depth rising linearly within each stage to 0, 0 and 0.1 — official configs
 *       ({@code DROP_PATH_RATE}).
 * </ul>
 *
 * <p>Any input size works (there is no position embedding). <b>Attention weights:</b> every
 * {@code attn} module implements {@link RecordsAttention}; its maps have shape
 * {@code [N, heads, T, T']} with {@code T = H*W} query tokens of the stage's map (row-major; the
 * class token first in the last stage, so {@code T = 1 + H*W}) and {@code T'} the keys of the map
 * subsampled by 2 ({@code ceil(H/2) * ceil(W/2)}, plus the class token).
 */
public final class CvT extends ImageClassifier {
  /**
   * One stage.
   *
   * @param patchSize kernel of the token-embedding convolution
   * @param patchStride its stride
   * @param patchPadding its padding
   * @param embedDim token width
   * @param depth number of blocks
   * @param numHeads attention heads
   * @param dropPathRate stochastic-depth rate of the stage's last block
   * @param clsToken whether the stage carries a class token
   */
  public record Stage(int patchSize, int patchStride, int patchPadding, int embedDim, int depth, int numHeads,
      double dropPathRate, boolean clsToken) {
    public Stage {
      if (depth < 1 || numHeads < 1 || embedDim % numHeads != 0) {
        throw new IllegalArgumentException("invalid CvT stage: width " + embedDim + ", " + numHeads + " heads, depth " + depth);
      }
    }
  }

  /** A CvT variant: its stages; the class token, if any, must be in the last one. */
  public record Config(List<Stage> stages) {
    public Config {
      stages = List.copyOf(stages);
      for (int i = 0; i + 1 < stages.size(); i++) {
        if (stages.get(i).clsToken()) {
          throw new IllegalArgumentException("only the last stage can carry a class token");
        }
      }
    }

    /** The official three-stage layout (CvT-13 / CvT-21) with the given depths. */
    public static Config official(int depth0, int depth1, int depth2) {
      return new Config(List.of(
          new Stage(7, 4, 2, 64, depth0, 1, 0.0, false),
          new Stage(3, 2, 1, 192, depth1, 3, 0.0, false),
          new Stage(3, 2, 1, 384, depth2, 6, 0.1, true)));
    }
  }

  private static final double LN_EPS = 1e-5;
  private static final double MLP_RATIO = 4.0;
  private static final int KERNEL_QKV = 3;
  private static final int STRIDE_KV = 2;
  private static final String PAPER = "Wu et al. 2021, CvT: Introducing Convolutions to Vision Transformers";

  /** Registers CvT-13 and CvT-21. */
  static void register(Models.Registrar r) {
    variant(r, "cvt_13", Config.official(1, 2, 10));
    variant(r, "cvt_21", Config.official(1, 4, 16));
  }

  private static void variant(Models.Registrar r, String name, Config config) {
    r.add(name, "CvT", "microsoft/CvT", 224, PAPER, options -> new CvT(config, options));
  }

  private final CvtStage[] stages;
  private final LayerNorm norm;
  private final boolean clsToken;

  /**
   * {@code options.dropPathRate()} replaces the last stage's stochastic-depth rate;
   * {@code options.dropRate()} is the official {@code DROP_RATE} (dropout after the attention
   * projection and in the MLPs, all stages; default 0).
   */
  public CvT(Config config, ModelOptions options) {
    List<Stage> specs = config.stages();
    stages = new CvtStage[specs.size()];
    int in = options.inChannels();
    for (int i = 0; i < specs.size(); i++) {
      Stage s = specs.get(i);
      double dropPath = i == specs.size() - 1 ? options.dropPathRateOr(s.dropPathRate) : s.dropPathRate;
      stages[i] = register("stage" + i, new CvtStage(in, s, options.dropRateOr(0.0), dropPath));
      in = s.embedDim;
    }
    clsToken = specs.get(specs.size() - 1).clsToken;
    norm = register("norm", new LayerNorm(in, LN_EPS));
    // the official code re-initialises only the classifier's weight, keeping PyTorch's default bias
    registerClassifier("head", in, options.numClasses(),
        ClassifierFactory.linear(fc -> Init.truncNormal(fc.weight(), 0.02, -2, 2)));
  }

  /** The last stage's tokens {@code [N, (1 +) H*W, C]}, the class token first if there is one. */
  @Override
  public Tensor forwardFeatures(Tensor x) {
    Tokens t = null;
    Tensor in = x;
    for (CvtStage s : stages) {
      t = s.run(in);
      in = t.map();
    }
    return t.seq();
  }

  /** LayerNorm of the class token (or the mean of the normalised tokens without one), then the classifier. */
  @Override
  public Tensor forwardHead(Tensor features) {
    Tensor pooled = clsToken
        ? norm.forward(features.select(1, 0))
        : norm.forward(features).mean(new long[] {1}, false, new ScalarTypeOptional());
    return classifier().forward(pooled);
  }

  /** A stage's token sequence and the size of its map. */
  record Tokens(Tensor seq, long h, long w, boolean hasCls) {
    /** The spatial tokens as a map {@code [N, C, H, W]}. */
    Tensor map() {
      Tensor spatial = hasCls ? seq.narrow(1, 1, h * w) : seq;
      return spatial.transpose(1, 2).reshape(seq.size(0), seq.size(2), h, w);
    }
  }

  /** Token embedding, optional class token, blocks (official {@code VisionTransformer} per stage). */
  static final class CvtStage extends Module {
    private final ConvEmbed patchEmbed;
    private final Tensor clsToken;
    private final Dropout posDrop;
    private final ModuleList<Block> blocks;

    CvtStage(int inChannels, Stage s, double dropRate, double dropPathRate) {
      patchEmbed = register("patch_embed", new ConvEmbed(inChannels, s));
      clsToken = s.clsToken
          ? registerParameter("cls_token", Init.truncNormal(Tensors.empty(DType.FLOAT32, 1, 1, s.embedDim), 0.02, -2, 2))
          : null;
      posDrop = register("pos_drop", new Dropout(dropRate));
      blocks = register("blocks", new ModuleList<>());
      for (int j = 0; j < s.depth; j++) {
        blocks.add(new Block(s, dropRate, StochasticDepth.linearRate(dropPathRate, j, s.depth)));
      }
    }

    Tokens run(Tensor x) {
      Tensor map = patchEmbed.forward(x);
      long h = map.size(2);
      long w = map.size(3);
      Tensor seq = map.flatten(2, -1).transpose(1, 2);
      if (clsToken != null) {
        seq = Tensors.cat(List.of(clsToken.expand(new long[] {x.size(0), -1, -1}), seq), 1);
      }
      seq = posDrop.forward(seq);
      for (Block b : blocks) {
        seq = b.forward(seq, h, w);
      }
      return new Tokens(seq, h, w, clsToken != null);
    }
  }

  /** Convolutional token embedding: strided convolution, then LayerNorm over channels; NCHW in and out. */
  static final class ConvEmbed extends Layer {
    private final Conv2d proj;
    private final LayerNorm norm;

    ConvEmbed(int inChannels, Stage s) {
      proj = register("proj", new Conv2d(inChannels, s.embedDim,
          ConvSpec.kernel(s.patchSize).stride(s.patchStride).padding(s.patchPadding)));
      norm = register("norm", new LayerNorm(s.embedDim, LN_EPS));
    }

    @Override
    protected Tensor compute(Tensor x) {
      return norm.forward(proj.forward(x).permute(0, 2, 3, 1)).permute(0, 3, 1, 2);
    }

    @Override
    public String typeName() {
      return "ConvEmbed";
    }
  }

  /** Pre-norm block on a token sequence whose spatial part is an {@code h x w} map. */
  static final class Block extends Module {
    private final LayerNorm norm1;
    private final Attention attn;
    private final StochasticDepth dropPath;
    private final LayerNorm norm2;
    private final Mlp mlp;

    Block(Stage s, double dropRate, double dropPathRate) {
      norm1 = register("norm1", new LayerNorm(s.embedDim, LN_EPS));
      attn = register("attn", new Attention(s, dropRate));
      dropPath = register("drop_path", new StochasticDepth(dropPathRate));
      norm2 = register("norm2", new LayerNorm(s.embedDim, LN_EPS));
      mlp = register("mlp", Mlp.tokens(s.embedDim, (int) (s.embedDim * MLP_RATIO), new QuickGelu(), dropRate));
      for (Module m : mlp.namedModules().values()) {
        if (m instanceof Linear l) {
          initLinear(l);
        }
      }
    }

    Tensor forward(Tensor x, long h, long w) {
      Tensor y = x.add(dropPath.forward(attn.forward(norm1.forward(x), h, w)));
      return y.add(dropPath.forward(mlp.forward(norm2.forward(y))));
    }
  }

  /**
   * Multi-head attention with convolutional projections: depthwise 3x3 convolution and BatchNorm
   * on the token map (stride 2 for keys and values), then linear projections.
   */
  static final class Attention extends Module implements KeepsAttentionMaps {
    private final Sequential convProjQ;
    private final Sequential convProjK;
    private final Sequential convProjV;
    private final Linear projQ;
    private final Linear projK;
    private final Linear projV;
    private final Linear proj;
    private final Dropout projDrop;
    private final int dim;
    private final int numHeads;
    private final boolean withClsToken;
    private final DotProductAttention kernel = new DotProductAttention();

    Attention(Stage s, double dropRate) {
      dim = s.embedDim;
      numHeads = s.numHeads;
      withClsToken = s.clsToken;
      convProjQ = register("conv_proj_q", convProjection(dim, 1));
      convProjK = register("conv_proj_k", convProjection(dim, STRIDE_KV));
      convProjV = register("conv_proj_v", convProjection(dim, STRIDE_KV));
      projQ = register("proj_q", initLinear(new Linear(dim, dim)));
      projK = register("proj_k", initLinear(new Linear(dim, dim)));
      projV = register("proj_v", initLinear(new Linear(dim, dim)));
      proj = register("proj", initLinear(new Linear(dim, dim)));
      projDrop = register("proj_drop", new Dropout(dropRate));
    }

    private static Sequential convProjection(int dim, int stride) {
      return new Sequential()
          .add("conv", new Conv2d(dim, dim, ConvSpec.kernel(KERNEL_QKV).stride(stride).padding(KERNEL_QKV / 2)
              .groups(dim).noBias()))
          .add("bn", new BatchNorm2d(dim))
          .add("rearrage", new MapToTokens());
    }

    Tensor forward(Tensor x, long h, long w) {
      long expected = h * w + (withClsToken ? 1 : 0);
      if (x.dim() != 3 || x.size(1) != expected || x.size(2) != dim) {
        throw new LayerException(this, "expected tokens [N, " + expected + ", " + dim + "] for a " + h + "x" + w
            + " map" + (withClsToken ? " and a class token" : "") + ", got " + Tensors.describe(x));
      }
      long n = x.size(0);
      Tensor cls = withClsToken ? x.narrow(1, 0, 1) : null;
      Tensor map = (withClsToken ? x.narrow(1, 1, h * w) : x).transpose(1, 2).reshape(n, dim, h, w);
      Tensor q = projQ.forward(withCls(cls, convProjQ.forward(map)));
      Tensor k = projK.forward(withCls(cls, convProjK.forward(map)));
      Tensor v = projV.forward(withCls(cls, convProjV.forward(map)));
      Tensor out = kernel.applyHeads(numHeads, q, k, v, null, Math.pow(dim, -0.5), 0.0, isTraining());
      return projDrop.forward(proj.forward(out));
    }

    private static Tensor withCls(Tensor cls, Tensor tokens) {
      return cls == null ? tokens : Tensors.cat(List.of(cls, tokens), 1);
    }

    @Override
    public AttentionMapStore attentionMaps() {
      return kernel.maps();
    }
  }

  /** {@code b c h w -> b (h w) c}. */
  static final class MapToTokens extends Layer {
    @Override
    protected Tensor compute(Tensor x) {
      return x.flatten(2, -1).transpose(1, 2);
    }

    @Override
    public String typeName() {
      return "Rearrange";
    }
  }

  /** {@code x * sigmoid(1.702 x)}, the sigmoid approximation of GELU (Hendrycks and Gimpel 2016). */
  static final class QuickGelu extends Layer {
    @Override
    protected Tensor compute(Tensor x) {
      return x.mul(x.mul(new Scalar(1.702)).sigmoid());
    }

    @Override
    public String typeName() {
      return "QuickGELU";
    }
  }

  /** The official {@code trunc_norm} initialisation of the transformer's linear layers. */
  private static Linear initLinear(Linear l) {
    Init.truncNormal(l.weight(), 0.02, -2, 2);
    Init.zeros(l.bias());
    return l;
  }
}
