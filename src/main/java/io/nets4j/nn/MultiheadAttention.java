package io.nets4j.nn;

import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import java.util.Arrays;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Multi-head attention (Vaswani et al. 2017, "Attention Is All You Need") with the parameters,
 * masks and outputs of PyTorch's {@code nn.MultiheadAttention}:
 * {@code in_proj_weight [3E, E]}, {@code in_proj_bias [3E]} (or {@code q_proj_weight},
 * {@code k_proj_weight}, {@code v_proj_weight} when keys or values have another width), then
 * {@code out_proj.weight}, {@code out_proj.bias}.
 *
 * <p>Each head attends with {@code softmax(q k^T / sqrt(E / heads) + mask) v}. Masks follow
 * PyTorch's convention for this module: in a boolean mask {@code true} means "may not attend"
 * (padding, future positions); a floating-point mask is added to the scores. The heads are
 * attended by {@link DotProductAttention} (libtorch's fused kernel unless the weights are requested
 * or recorded), which reports the attention's MACs; the in-projection's MACs are reported here.
 * While recording ({@link RecordsAttention}) the per-head map {@code [batch, heads, L, S]} of the
 * last call is kept as well.
 */
public final class MultiheadAttention extends Layer implements KeepsAttentionMaps {
  /**
   * @param embedDim width of queries and of the output ({@code E})
   * @param numHeads number of heads; must divide {@code embedDim}
   * @param dropout dropout on the attention weights, in training mode
   * @param bias whether the input and output projections have biases
   * @param kdim width of the keys
   * @param vdim width of the values
   * @param batchFirst inputs are {@code [batch, seq, feature]} instead of {@code [seq, batch, feature]}
   */
  public record Config(int embedDim, int numHeads, double dropout, boolean bias, int kdim, int vdim,
      boolean batchFirst) {
    public Config {
      if (embedDim <= 0 || numHeads <= 0 || embedDim % numHeads != 0) {
        throw new IllegalArgumentException("embed_dim " + embedDim + " must be a positive multiple of num_heads " + numHeads);
      }
      if (kdim <= 0 || vdim <= 0) {
        throw new IllegalArgumentException("kdim and vdim must be positive, got " + kdim + " and " + vdim);
      }
      if (dropout < 0 || dropout >= 1) {
        throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
      }
    }

    /** PyTorch's defaults: no dropout, biases, keys and values of width {@code embedDim}, sequence first. */
    public static Config of(int embedDim, int numHeads) {
      return new Config(embedDim, numHeads, 0, true, embedDim, embedDim, false);
    }

    public Config withDropout(double p) {
      return new Config(embedDim, numHeads, p, bias, kdim, vdim, batchFirst);
    }

    public Config withBias(boolean on) {
      return new Config(embedDim, numHeads, dropout, on, kdim, vdim, batchFirst);
    }

    public Config withKeyValueDims(int keyDim, int valueDim) {
      return new Config(embedDim, numHeads, dropout, bias, keyDim, valueDim, batchFirst);
    }

    public Config withBatchFirst(boolean on) {
      return new Config(embedDim, numHeads, dropout, bias, kdim, vdim, on);
    }

    public int headDim() {
      return embedDim / numHeads;
    }

    boolean sameEmbedDim() {
      return kdim == embedDim && vdim == embedDim;
    }
  }

  /**
   * The attended values and, if requested, the attention weights: {@code [batch, L, S]} averaged
   * over heads or {@code [batch, heads, L, S]} per head (after dropout, as PyTorch returns them).
   */
  public record Result(Tensor output, Tensor weights) {}

  private final Config config;
  private final Tensor inProjWeight;
  private final Tensor qProjWeight;
  private final Tensor kProjWeight;
  private final Tensor vProjWeight;
  private final Tensor inProjBias;
  private final Linear outProj;
  private final DotProductAttention kernel = new DotProductAttention();

  public MultiheadAttention(Config config) {
    this.config = config;
    int e = config.embedDim();
    if (config.sameEmbedDim()) {
      inProjWeight = registerParameter("in_proj_weight", Init.xavierUniform(Tensors.empty(DType.FLOAT32, 3L * e, e)));
      qProjWeight = null;
      kProjWeight = null;
      vProjWeight = null;
    } else {
      inProjWeight = null;
      qProjWeight = registerParameter("q_proj_weight", Init.xavierUniform(Tensors.empty(DType.FLOAT32, e, e)));
      kProjWeight = registerParameter("k_proj_weight", Init.xavierUniform(Tensors.empty(DType.FLOAT32, e, config.kdim())));
      vProjWeight = registerParameter("v_proj_weight", Init.xavierUniform(Tensors.empty(DType.FLOAT32, e, config.vdim())));
    }
    inProjBias = config.bias() ? registerParameter("in_proj_bias", Tensors.zeros(DType.FLOAT32, 3L * e)) : null;
    outProj = register("out_proj", new Linear(e, e, config.bias()));
    if (config.bias()) {
      Init.zeros(outProj.bias());
    }
  }

  public MultiheadAttention(int embedDim, int numHeads) {
    this(Config.of(embedDim, numHeads));
  }

  public Config config() {
    return config;
  }

  /** Self-attention of {@code x} without masks. */
  @Override
  protected Tensor compute(Tensor x) {
    return attend(x, x, x, null, null, false, true).output();
  }

  /** Attention without returned weights (libtorch's fused kernel). */
  public Tensor forward(Tensor query, Tensor key, Tensor value, Tensor keyPaddingMask, Tensor attnMask) {
    return forward(query, key, value, keyPaddingMask, attnMask, false, true).output();
  }

  /**
   * Attends from {@code query} to {@code key}/{@code value}.
   *
   * @param query {@code [B, L, E]} ({@code [L, B, E]} unless batch-first)
   * @param key {@code [B, S, kdim]}
   * @param value {@code [B, S, vdim]}
   * @param keyPaddingMask optional {@code [B, S]}: {@code true} (or {@code -inf}) at keys to ignore
   * @param attnMask optional {@code [L, S]} or {@code [B * heads, L, S]}: {@code true} (or
   *     {@code -inf}) where a query may not attend a key
   * @param needWeights whether to return the attention weights
   * @param averageWeights average the weights over heads ({@code [B, L, S]}) or keep them per head
   */
  public Result forward(Tensor query, Tensor key, Tensor value, Tensor keyPaddingMask, Tensor attnMask,
      boolean needWeights, boolean averageWeights) {
    return LayerGuard.call(this, () -> attend(query, key, value, keyPaddingMask, attnMask, needWeights, averageWeights));
  }

  private Result attend(Tensor query, Tensor key, Tensor value, Tensor keyPaddingMask, Tensor attnMask,
      boolean needWeights, boolean averageWeights) {
    checkInput("query", query, config.embedDim());
    checkInput("key", key, config.kdim());
    checkInput("value", value, config.vdim());
    Tensor q = config.batchFirst() ? query : query.transpose(0, 1);
    Tensor k = config.batchFirst() ? key : key.transpose(0, 1);
    Tensor v = config.batchFirst() ? value : value.transpose(0, 1);
    long b = q.size(0);
    long l = q.size(1);
    long s = k.size(1);
    if (k.size(0) != b || v.size(0) != b || v.size(1) != s) {
      throw fail("query, key and value disagree on batch or key length: query " + Tensors.describe(query)
          + ", key " + Tensors.describe(key) + ", value " + Tensors.describe(value));
    }
    int e = config.embedDim();
    q = F.linear(q, projWeight(0), biasPart(0));
    k = F.linear(k, projWeight(1), biasPart(1));
    v = F.linear(v, projWeight(2), biasPart(2));
    // the in-projection is a functional linear on raw parameters, invisible to the per-layer rules
    MacCounter.add(b * e * (l * e + s * config.kdim() + s * config.vdim()));
    int h = config.numHeads();
    q = DotProductAttention.splitHeads(q, h);
    k = DotProductAttention.splitHeads(k, h);
    v = DotProductAttention.splitHeads(v, h);
    Tensor mask = additiveMask(keyPaddingMask, attnMask, b, l, s, q);
    double scale = 1.0 / Math.sqrt(config.headDim());
    Tensor out;
    Tensor weights = null;
    if (needWeights) {
      DotProductAttention.Weighted w = kernel.applyWithWeights(q, k, v, mask, scale, config.dropout(), isTraining());
      out = w.output();
      weights = averageWeights ? w.weights().mean(1) : w.weights();
    } else {
      out = kernel.apply(q, k, v, mask, scale, config.dropout(), isTraining());
    }
    out = outProj.forward(DotProductAttention.mergeHeads(out));
    return new Result(config.batchFirst() ? out : out.transpose(0, 1), weights);
  }

  /** Views are taken per call: parameters may change storage (dtype or device conversion). */
  private Tensor projWeight(int index) {
    if (inProjWeight == null) {
      return index == 0 ? qProjWeight : index == 1 ? kProjWeight : vProjWeight;
    }
    return inProjWeight.narrow(0, (long) index * config.embedDim(), config.embedDim());
  }

  private Tensor biasPart(int index) {
    return inProjBias == null ? null : inProjBias.narrow(0, (long) index * config.embedDim(), config.embedDim());
  }

  private void checkInput(String name, Tensor t, int width) {
    if (t == null || t.dim() != 3 || t.size(2) != width) {
      String layout = config.batchFirst() ? "[batch, seq, " + width + "]" : "[seq, batch, " + width + "]";
      throw fail("expected " + name + " of shape " + layout + ", got " + (t == null ? "null" : Tensors.describe(t)));
    }
  }

  /** Both masks as one additive float mask broadcastable to {@code [B, heads, L, S]}, or null. */
  private Tensor additiveMask(Tensor keyPadding, Tensor attn, long b, long l, long s, Tensor like) {
    Tensor mask = null;
    if (keyPadding != null) {
      if (!Arrays.equals(Tensors.shape(keyPadding), new long[] {b, s})) {
        throw fail("expected key_padding_mask of shape " + Tensors.describe(b, s) + ", got " + Tensors.describe(keyPadding));
      }
      mask = toAdditive(keyPadding, like).view(b, 1, 1, s);
    }
    if (attn != null) {
      long[] shape = Tensors.shape(attn);
      Tensor a;
      if (Arrays.equals(shape, new long[] {l, s})) {
        a = toAdditive(attn, like).view(1, 1, l, s);
      } else if (Arrays.equals(shape, new long[] {b * config.numHeads(), l, s})) {
        a = toAdditive(attn, like).view(b, config.numHeads(), l, s);
      } else {
        throw fail("expected attn_mask of shape " + Tensors.describe(l, s) + " or "
            + Tensors.describe(b * config.numHeads(), l, s) + ", got " + Tensors.describe(attn));
      }
      mask = mask == null ? a : mask.add(a);
    }
    return mask;
  }

  private Tensor toAdditive(Tensor mask, Tensor like) {
    if (Tensors.dtype(mask) == DType.BOOL) {
      return like.new_zeros(Tensors.shape(mask)).masked_fill(mask, new Scalar(Double.NEGATIVE_INFINITY));
    }
    if (!mask.is_floating_point()) {
      throw fail("a mask must be boolean or floating-point, got " + Tensors.dtype(mask).torchName());
    }
    return mask.to(like.scalar_type());
  }

  /** A {@code [size, size]} boolean mask that hides future positions ({@code true} above the diagonal). */
  public static Tensor causalMask(long size) {
    return torch.triu(torch.ones(new long[] {size, size}, Tensors.options(DType.BOOL)), 1);
  }

  /** The recording state; its map is the per-head {@code [batch, heads, L, S]} of the last call (before dropout). */
  @Override
  public AttentionMapStore attentionMaps() {
    return kernel.maps();
  }

  public Linear outProj() {
    return outProj;
  }

  @Override
  public String typeName() {
    return "MultiheadAttention";
  }
}
