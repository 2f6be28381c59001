package io.nets4j.models;

import io.nets4j.layers.Mlp;
import io.nets4j.layers.Permute;
import io.nets4j.layers.RelativePositionBias;
import io.nets4j.layers.SelfAttention;
import io.nets4j.nn.AdaptiveAvgPool2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.Init;
import io.nets4j.nn.Layer;
import io.nets4j.nn.LayerNorm;
import io.nets4j.nn.Linear;
import io.nets4j.nn.Module;
import io.nets4j.nn.RecordsAttention;
import io.nets4j.nn.Sequential;
import io.nets4j.nn.StochasticDepth;
import io.nets4j.tensor.Tensors;
import java.util.List;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Swin Transformer (Liu et al. 2021, "Swin Transformer: Hierarchical Vision Transformer using
 * Shifted Windows"), version 1, in torchvision's structure and parameter names.
 *
 * <p>{@code features.0} partitions the image into 4 x 4 patches (a strided convolution, then
 * LayerNorm, channels last). Four stages {@code features.1, 3, 5, 7} of Swin blocks follow, with
 * patch merging ({@code features.2, 4, 6}: 2 x 2 neighbours concatenated, LayerNorm, linear
 * {@code 4C -> 2C}) between them. Blocks attend within non-overlapping windows of 7 x 7 tokens
 * (W-MSA); every second block first shifts the map cyclically by half a window (SW-MSA) and masks
 * the attention between tokens that were not neighbours before the shift. Each attention adds a
 * learnt relative position bias, looked up in {@code relative_position_bias_table} by the int64
 * buffer {@code relative_position_index} (both in the state_dict). Stochastic depth grows linearly
 * with the block index up to 0.2 / 0.3 / 0.5 (T / S / B). LayerNorm eps is 1e-5.
 *
 * <p>Inputs of any size are accepted: maps are padded to whole windows, and a stage whose padded
 * map fits in one window does not shift. (torchvision writes that zero shift back into the block,
 * so that block never shifts again, even for a later larger input; here it is decided per call.)
 *
 * <p><b>Attention weights.</b> Every {@code attn} module implements {@link RecordsAttention};
 * its maps have shape {@code [N, windows, heads, 49, 49]}: windows in row-major order over the
 * (padded, and in shifted blocks cyclically shifted) map, tokens in row-major order inside a
 * window, masked pairs with weight ~0.
 */
public final class SwinTransformer extends ImageClassifier {
  /**
   * A Swin variant.
   *
   * @param embedDim channels of the first stage (doubled at each merge)
   * @param depths blocks in each of the four stages
   * @param numHeads attention heads in each stage
   * @param windowSize side of the attention windows
   * @param stochasticDepthProb stochastic-depth rate of the last block
   */
  public record Config(int embedDim, int[] depths, int[] numHeads, int windowSize, double stochasticDepthProb) {
    public Config {
      depths = depths.clone();
      numHeads = numHeads.clone();
      if (depths.length != 4 || numHeads.length != 4) {
        throw new IllegalArgumentException("Swin has 4 stages, got depths " + depths.length + " and heads " + numHeads.length);
      }
      for (int i = 0; i < 4; i++) {
        if ((embedDim << i) % numHeads[i] != 0) {
          throw new IllegalArgumentException("stage " + i + " width " + (embedDim << i)
              + " is not a multiple of its " + numHeads[i] + " heads");
        }
      }
    }

    @Override
    public int[] depths() {
      return depths.clone();
    }

    @Override
    public int[] numHeads() {
      return numHeads.clone();
    }
  }

  private static final double LN_EPS = 1e-5;
  private static final int PATCH_SIZE = 4;
  private static final double MLP_RATIO = 4.0;
  private static final double MASKED = -100.0;
  private static final String PAPER =
      "Liu et al. 2021, Swin Transformer: Hierarchical Vision Transformer using Shifted Windows";

  /** Registers torchvision's Swin v1 variants. */
  static void register(Models.Registrar r) {
    variant(r, "swin_t", new Config(96, new int[] {2, 2, 6, 2}, new int[] {3, 6, 12, 24}, 7, 0.2));
    variant(r, "swin_s", new Config(96, new int[] {2, 2, 18, 2}, new int[] {3, 6, 12, 24}, 7, 0.3));
    variant(r, "swin_b", new Config(128, new int[] {2, 2, 18, 2}, new int[] {4, 8, 16, 32}, 7, 0.5));
  }

  private static void variant(Models.Registrar r, String name, Config config) {
    r.add(name, "SwinTransformer", "torchvision", 224, PAPER,
        options -> new SwinTransformer(config, options));
  }

  private final Sequential features;
  private final LayerNorm norm;

  /**
   * {@code options.dropPathRate()} replaces the variant's stochastic-depth rate;
   * {@code options.dropRate()} is torchvision's {@code dropout} (after the attention projection and
   * in the MLPs; default 0).
   */
  public SwinTransformer(Config config, ModelOptions options) {
    int c = config.embedDim;
    double dropout = options.dropRateOr(0.0);
    double sdProb = options.dropPathRateOr(config.stochasticDepthProb);
    features = register("features", new Sequential());
    features.add(new Sequential(
        new Conv2d(options.inChannels(), c, ConvSpec.kernel(PATCH_SIZE).stride(PATCH_SIZE)),
        Permute.channelsLast(),
        new LayerNorm(c, LN_EPS)));
    int totalBlocks = 0;
    for (int d : config.depths) {
      totalBlocks += d;
    }
    int blockId = 0;
    for (int s = 0; s < 4; s++) {
      int dim = c << s;
      Sequential stage = new Sequential();
      for (int i = 0; i < config.depths[s]; i++) {
        int shift = i % 2 == 0 ? 0 : config.windowSize / 2;
        stage.add(new SwinBlock(dim, config.numHeads[s], config.windowSize, shift, dropout,
            StochasticDepth.linearRate(sdProb, blockId, totalBlocks)));
        blockId++;
      }
      features.add(stage);
      if (s < 3) {
        features.add(new PatchMerging(dim));
      }
    }
    int numFeatures = c << 3;
    norm = register("norm", new LayerNorm(numFeatures, LN_EPS));
    AdaptiveAvgPool2d avgpool = register("avgpool", new AdaptiveAvgPool2d(1, 1));
    registerClassifier("head", numFeatures, options.numClasses(), ClassifierFactory.linear(SwinTransformer::initLinear));
    declareHead(avgpool, null, null);
    for (Module m : namedModules().values()) {
      if (m instanceof Linear lin) {
        initLinear(lin);
      }
    }
  }

  private static void initLinear(Linear lin) {
    Init.truncNormal(lin.weight(), 0.02, -2, 2);
    if (lin.bias() != null) {
      Init.zeros(lin.bias());
    }
  }

  /** The normalised last-stage map, {@code [N, 8C, H/32, W/32]}. */
  @Override
  public Tensor forwardFeatures(Tensor x) {
    return norm.forward(features.forward(x)).permute(0, 3, 1, 2);
  }

  /** Pre-norm block on NHWC maps: window attention, then the MLP, each with a residual. */
  static final class SwinBlock extends Layer {
    private final LayerNorm norm1;
    private final ShiftedWindowAttention attn;
    private final StochasticDepth stochasticDepth;
    private final LayerNorm norm2;
    private final Sequential mlp;

    SwinBlock(int dim, int heads, int window, int shift, double dropout, double sdProb) {
      norm1 = register("norm1", new LayerNorm(dim, LN_EPS));
      attn = register("attn", new ShiftedWindowAttention(dim, heads, window, shift, dropout));
      stochasticDepth = register("stochastic_depth", new StochasticDepth(sdProb));
      norm2 = register("norm2", new LayerNorm(dim, LN_EPS));
      mlp = register("mlp", Mlp.torchvision(dim, (int) (dim * MLP_RATIO), dropout));
    }

    @Override
    protected Tensor compute(Tensor x) {
      Tensor y = x.add(stochasticDepth.forward(attn.forward(norm1.forward(x))));
      return y.add(stochasticDepth.forward(mlp.forward(norm2.forward(y))));
    }

    @Override
    public String typeName() {
      return "SwinTransformerBlock";
    }
  }

  /** 2 x 2 neighbouring tokens concatenated ({@code 4C}), LayerNorm, then linear to {@code 2C}. */
  static final class PatchMerging extends Layer {
    private final Linear reduction;
    private final LayerNorm norm;
    private final int dim;

    PatchMerging(int dim) {
      this.dim = dim;
      reduction = register("reduction", new Linear(4 * dim, 2 * dim, false));
      norm = register("norm", new LayerNorm(4 * dim, LN_EPS));
    }

    @Override
    protected Tensor compute(Tensor x) {
      if (x.dim() != 4 || x.size(3) != dim) {
        throw fail("expected a map [N, H, W, " + dim + "], got " + Tensors.describe(x));
      }
      Tensor p = torch.constant_pad_nd(x, 0, 0, 0, x.size(2) % 2, 0, x.size(1) % 2);
      // the order (row, col) = (0,0), (1,0), (0,1), (1,1) is the layout of the reduction's weight
      Tensor merged = Tensors.cat(List.of(every2(p, 0, 0), every2(p, 1, 0), every2(p, 0, 1), every2(p, 1, 1)), -1);
      return reduction.forward(norm.forward(merged));
    }

    private static Tensor every2(Tensor x, long row, long col) {
      return x.slice(1, new LongOptional(row), new LongOptional(), 2)
          .slice(2, new LongOptional(col), new LongOptional(), 2);
    }

    @Override
    public String typeName() {
      return "PatchMerging";
    }
  }

  /**
   * Window multi-head self-attention with relative position bias (W-MSA), on a cyclically shifted
   * map with an attention mask when {@code shift > 0} (SW-MSA). NHWC in, NHWC out.
   */
  static final class ShiftedWindowAttention extends SelfAttention {
    private final Tensor relativePositionBiasTable;
    private final Tensor relativePositionIndex;
    private final int dim;
    private final int window;
    private final int shift;

    ShiftedWindowAttention(int dim, int numHeads, int window, int shift, double dropout) {
      super(SelfAttention.Config.tokens(dim, numHeads).withProjDrop(dropout, false).named("ShiftedWindowAttention"));
      this.dim = dim;
      this.window = window;
      this.shift = shift;
      relativePositionBiasTable = registerParameter("relative_position_bias_table",
          RelativePositionBias.table(window, numHeads));
      relativePositionIndex = registerBuffer("relative_position_index", onDefaultDevice(RelativePositionBias.index(window)));
    }

    private static Tensor onDefaultDevice(Tensor t) {
      String device = Tensors.defaultDevice();
      return "cpu".equals(device) ? t : t.to(new Device(device), t.scalar_type());
    }

    @Override
    protected Tensor compute(Tensor x) {
      if (x.dim() != 4 || x.size(3) != dim) {
        throw fail("expected a map [N, H, W, " + dim + "], got " + Tensors.describe(x));
      }
      long b = x.size(0);
      long h = x.size(1);
      long w = x.size(2);
      long padB = (window - h % window) % window;
      long padR = (window - w % window) % window;
      Tensor p = torch.constant_pad_nd(x, 0, 0, 0, padR, 0, padB);
      long ph = h + padB;
      long pw = w + padR;
      long shiftH = window >= ph ? 0 : shift;
      long shiftW = window >= pw ? 0 : shift;
      boolean shifted = shiftH + shiftW > 0;
      if (shifted) {
        p = p.roll(new long[] {-shiftH, -shiftW}, 1, 2);
      }
      long nh = ph / window;
      long nw = pw / window;
      long tokens = (long) window * window;
      Tensor windows = p.view(b, nh, window, nw, window, dim).permute(0, 1, 3, 2, 4, 5)
          .reshape(b, nh * nw, tokens, dim);
      // [heads, tokens, tokens], plus the shift mask [windows, 1, tokens, tokens]
      Tensor bias = RelativePositionBias.lookup(relativePositionBiasTable, relativePositionIndex, window);
      if (shifted) {
        bias = bias.add(shiftMask((int) ph, (int) pw, shiftH, shiftW).to(x.device(), x.scalar_type()).unsqueeze(1));
      }
      Tensor out = attend(windows, bias);
      out = out.view(b, nh, nw, window, window, dim).permute(0, 1, 3, 2, 4, 5).reshape(b, ph, pw, dim);
      if (shifted) {
        out = out.roll(new long[] {shiftH, shiftW}, 1, 2);
      }
      return out.narrow(1, 0, h).narrow(2, 0, w).contiguous();
    }

    /**
     * {@code [windows, w*w, w*w]}: 0 between tokens of the same region of the shifted map, -100
     * (as torchvision) between tokens that the cyclic shift brought together from different regions.
     */
    private Tensor shiftMask(int ph, int pw, long shiftH, long shiftW) {
      int[] region = new int[ph * pw];
      for (int y = 0; y < ph; y++) {
        int ry = band(y, ph, shiftH);
        for (int x = 0; x < pw; x++) {
          region[y * pw + x] = 3 * ry + band(x, pw, shiftW);
        }
      }
      int nw = pw / window;
      int windows = (ph / window) * nw;
      int n = window * window;
      float[] mask = new float[windows * n * n];
      for (int win = 0; win < windows; win++) {
        int y0 = win / nw * window;
        int x0 = win % nw * window;
        for (int i = 0; i < n; i++) {
          int ri = region[(y0 + i / window) * pw + x0 + i % window];
          for (int j = 0; j < n; j++) {
            int rj = region[(y0 + j / window) * pw + x0 + j % window];
            mask[(win * n + i) * n + j] = ri == rj ? 0f : (float) MASKED;
          }
        }
      }
      return Tensors.fromFloats(mask, windows, n, n);
    }

    /** Which of the bands {@code [0, L-w)}, {@code [L-w, L-s)}, {@code [L-s, L)} holds coordinate {@code c}. */
    private int band(int c, int length, long s) {
      if (c < length - window) {
        return 0;
      }
      return c < length - s ? 1 : 2;
    }
  }
}
