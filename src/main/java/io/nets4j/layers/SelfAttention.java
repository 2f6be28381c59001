package io.nets4j.layers;

import io.nets4j.nn.AttentionMapStore;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.DotProductAttention;
import io.nets4j.nn.Dropout;
import io.nets4j.nn.F;
import io.nets4j.nn.KeepsAttentionMaps;
import io.nets4j.nn.Layer;
import io.nets4j.nn.Linear;
import io.nets4j.nn.Module;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * Multi-head self-attention (Vaswani et al. 2017, "Attention Is All You Need") in the form the
 * vision transformers share (timm's {@code Attention}, {@code Attention2d}, torchvision's Swin
 * attention): one packed projection {@code qkv}, the heads attended by {@link DotProductAttention}
 * (which records the maps and counts the MACs), and the output projection {@code proj}, optionally
 * followed by dropout.
 *
 * <p>Tokens {@code [..., T, dim]} are projected by {@link Linear} layers; NCHW maps
 * {@code [N, dim, H, W]} (with {@link Config#onMaps()}) by 1x1 {@link Conv2d} layers, attending over
 * the {@code H*W} positions. A subclass adds a position bias through {@link #positionBias} (a
 * relative-position table, a shift mask) or calls {@link #attend} on its own token layout (windows).
 *
 * <p>Attention maps ({@link KeepsAttentionMaps}): {@code [..., heads, T, T]}.
 */
public class SelfAttention extends Layer implements KeepsAttentionMaps {
  /** How the {@code 3 * width} channels of {@code qkv} are laid out. */
  public enum Packing {
    /** {@code (q, k, v) x heads x headDim}: timm's and torchvision's {@code qkv} Linear. */
    QKV_HEADS,
    /** {@code heads x (q, k, v) x headDim}: timm's {@code Attention2d} ({@code head_first}). */
    HEADS_QKV
  }

  /**
   * @param dim input width
   * @param heads attention heads
   * @param width width of q, k, v ({@code heads * headDim}); usually {@code dim}
   * @param outDim output width of {@code proj}
   * @param qkvBias whether {@code qkv} has a bias
   * @param onMaps NCHW maps with 1x1 convolutions instead of tokens with linear layers
   * @param packing the channel layout of {@code qkv}
   * @param projDrop dropout after {@code proj}
   * @param projDropModule whether that dropout is a child {@code proj_drop} (timm) or functional (torchvision)
   * @param typeName the reference's class name, for summaries
   */
  public record Config(int dim, int heads, int width, int outDim, boolean qkvBias, boolean onMaps, Packing packing,
      double projDrop, boolean projDropModule, String typeName) {
    public Config {
      if (dim < 1 || heads < 1 || width % heads != 0) {
        throw new IllegalArgumentException("attention width " + width + " must be a positive multiple of its "
            + heads + " heads");
      }
    }

    /** timm's {@code Attention} on tokens: {@code qkv} with bias, no dropout, width kept. */
    public static Config tokens(int dim, int heads) {
      return new Config(dim, heads, dim, dim, true, false, Packing.QKV_HEADS, 0, false, "Attention");
    }

    /** timm's {@code Attention2d} on NCHW maps: 1x1 convolutions, heads first in {@code qkv}. */
    public static Config maps(int dim, int width, int outDim, int heads) {
      return new Config(dim, heads, width, outDim, true, true, Packing.HEADS_QKV, 0, false, "Attention2d");
    }

    public Config withoutQkvBias() {
      return new Config(dim, heads, width, outDim, false, onMaps, packing, projDrop, projDropModule, typeName);
    }

    /** Dropout after {@code proj}, as a child {@code proj_drop} or functional. */
    public Config withProjDrop(double p, boolean module) {
      return new Config(dim, heads, width, outDim, qkvBias, onMaps, packing, p, module, typeName);
    }

    public Config named(String name) {
      return new Config(dim, heads, width, outDim, qkvBias, onMaps, packing, projDrop, projDropModule, name);
    }

    public int headDim() {
      return width / heads;
    }
  }

  private final Config config;
  private final double scale;
  private final Layer qkv;
  private final Layer proj;
  private final Layer projDrop;
  private final DotProductAttention kernel = new DotProductAttention();

  /** With {@code positionBias} (may be null) registered between {@code qkv} and {@code proj}, under {@code biasName}. */
  protected SelfAttention(Config config, String biasName, Module positionBias) {
    this.config = config;
    this.scale = 1.0 / Math.sqrt(config.headDim());
    qkv = register("qkv", projection(config.dim(), 3 * config.width(), config.qkvBias()));
    if (positionBias != null) {
      register(biasName, positionBias);
    }
    proj = register("proj", projection(config.width(), config.outDim(), true));
    projDrop = config.projDropModule() ? register("proj_drop", new Dropout(config.projDrop())) : null;
  }

  public SelfAttention(Config config) {
    this(config, null, null);
  }

  private Layer projection(int in, int out, boolean bias) {
    return config.onMaps() ? new Conv2d(in, out, ConvSpec.kernel(1).bias(bias)) : new Linear(in, out, bias);
  }

  public Config config() {
    return config;
  }

  @Override
  protected Tensor compute(Tensor x) {
    if (!config.onMaps()) {
      if (x.dim() < 2 || x.size(x.dim() - 1) != config.dim()) {
        throw fail("expected tokens [..., T, " + config.dim() + "], got " + Tensors.describe(x));
      }
      return attend(x, positionBias(x));
    }
    if (x.dim() != 4 || x.size(1) != config.dim()) {
      throw fail("expected a map [N, " + config.dim() + ", H, W], got " + Tensors.describe(x));
    }
    long n = x.size(0);
    long h = x.size(2);
    long w = x.size(3);
    Tensor packed = qkv.forward(x).flatten(2, -1).transpose(1, 2);
    Tensor y = attendPacked(packed, positionBias(x)).transpose(1, 2).reshape(n, config.width(), h, w);
    return dropOut(proj.forward(y));
  }

  /**
   * The attention of tokens {@code [..., T, dim]} to themselves with an additive {@code bias}
   * broadcastable to {@code [..., heads, T, T]} (or null): {@code qkv}, heads, {@code proj} and dropout.
   */
  protected final Tensor attend(Tensor tokens, Tensor bias) {
    return dropOut(proj.forward(attendPacked(qkv.forward(tokens), bias)));
  }

  /** The bias added to the scores for input {@code x}, or null (the default). */
  protected Tensor positionBias(Tensor x) {
    return null;
  }

  private Tensor attendPacked(Tensor packed, Tensor bias) {
    Tensor[] qkvs = unpack(packed);
    return kernel.applyHeads(config.heads(), qkvs[0], qkvs[1], qkvs[2], bias, scale, 0, isTraining());
  }

  /** {@code [..., T, 3 * width]} to q, k, v {@code [..., T, width]}, heads major. */
  private Tensor[] unpack(Tensor packed) {
    if (config.packing() == Packing.QKV_HEADS) {
      return Tensors.owned(packed.chunk(3, -1));
    }
    int n = (int) packed.dim();
    long[] shape = new long[n + 2];
    for (int i = 0; i < n - 1; i++) {
      shape[i] = packed.size(i);
    }
    shape[n - 1] = config.heads();
    shape[n] = 3;
    shape[n + 1] = config.headDim();
    Tensor split = packed.reshape(shape);
    return new Tensor[] {part(split, 0), part(split, 1), part(split, 2)};
  }

  private static Tensor part(Tensor split, int index) {
    return split.select(split.dim() - 2, index).flatten(split.dim() - 3, -1);
  }

  private Tensor dropOut(Tensor y) {
    if (projDrop != null) {
      return projDrop.forward(y);
    }
    return config.projDrop() > 0 ? F.dropout(y, config.projDrop(), isTraining()) : y;
  }

  @Override
  public AttentionMapStore attentionMaps() {
    return kernel.maps();
  }

  @Override
  public String typeName() {
    return config.typeName();
  }
}
