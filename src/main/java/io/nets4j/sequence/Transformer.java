package io.nets4j.sequence;

import io.nets4j.nn.Dropout;
import io.nets4j.nn.F;
import io.nets4j.nn.Init;
import io.nets4j.nn.LayerException;
import io.nets4j.nn.LayerGuard;
import io.nets4j.nn.LayerNorm;
import io.nets4j.nn.Linear;
import io.nets4j.nn.Module;
import io.nets4j.nn.ModuleList;
import io.nets4j.nn.MultiheadAttention;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/**
 * The Transformer encoder-decoder (Vaswani et al. 2017, "Attention Is All You Need") in the
 * structure and parameter names of PyTorch's {@code nn.Transformer}: {@code encoder.layers.N}
 * ({@code self_attn}, {@code linear1}, {@code linear2}, {@code norm1}, {@code norm2}),
 * {@code encoder.norm}, {@code decoder.layers.N} (adding {@code multihead_attn} and
 * {@code norm3}) and {@code decoder.norm}.
 *
 * <p>Layers are post-norm as in the paper ({@code x = norm(x + sublayer(x))}) or pre-norm
 * ({@code x = x + sublayer(norm(x))}, Xiong et al. 2020) with {@link Config.Builder#normFirst}.
 * Training uses teacher forcing: {@link #forward} runs the decoder over the whole shifted target
 * under a {@link #causalMask}; generation calls {@link #encode} once and then {@link #decode} on
 * the growing prefix, e.g. through {@link Decoding}. Embeddings, positional encodings and the
 * output projection are the caller's, as in PyTorch.
 */
public final class Transformer extends Module {
  /** The feed-forward non-linearity. */
  public enum FeedForwardActivation {
    RELU,
    GELU
  }

  /**
   * @param dModel width of every token representation
   * @param nhead attention heads
   * @param numEncoderLayers encoder layers
   * @param numDecoderLayers decoder layers
   * @param dimFeedforward hidden width of the feed-forward block
   * @param dropout dropout after attention, inside and after the feed-forward block
   * @param activation the feed-forward non-linearity
   * @param layerNormEps epsilon of the layer norms
   * @param batchFirst inputs are {@code [batch, seq, dModel]} instead of {@code [seq, batch, dModel]}
   * @param normFirst pre-norm layers instead of the paper's post-norm
   */
  public record Config(int dModel, int nhead, int numEncoderLayers, int numDecoderLayers, int dimFeedforward,
      double dropout, FeedForwardActivation activation, double layerNormEps, boolean batchFirst, boolean normFirst) {
    public Config {
      if (dModel <= 0 || nhead <= 0 || dModel % nhead != 0) {
        throw new IllegalArgumentException("d_model " + dModel + " must be a positive multiple of nhead " + nhead);
      }
      if (numEncoderLayers < 0 || numDecoderLayers < 0 || dimFeedforward <= 0) {
        throw new IllegalArgumentException("layer counts must be non-negative and dim_feedforward positive");
      }
      if (dropout < 0 || dropout >= 1) {
        throw new IllegalArgumentException("dropout must be in [0, 1), got " + dropout);
      }
    }

    /** {@code nn.Transformer()}'s defaults: the paper's base model (512 wide, 8 heads, 6 + 6 layers). */
    public static Config defaults() {
      return builder().build();
    }

    /** A builder starting from {@link #defaults()}. */
    public static Builder builder() {
      return new Builder();
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
      return builder().size(dModel, nhead, dimFeedforward).layers(numEncoderLayers, numDecoderLayers).dropout(dropout)
          .activation(activation).layerNormEps(layerNormEps).batchFirst(batchFirst).normFirst(normFirst);
    }

    MultiheadAttention.Config attention() {
      return MultiheadAttention.Config.of(dModel, nhead).withDropout(dropout).withBatchFirst(batchFirst);
    }

    /** Builds a {@link Config}; every setting starts at its {@link Config#defaults()} value. */
    public static final class Builder {
      private int dModel = 512;
      private int nhead = 8;
      private int numEncoderLayers = 6;
      private int numDecoderLayers = 6;
      private int dimFeedforward = 2048;
      private double dropout = 0.1;
      private FeedForwardActivation activation = FeedForwardActivation.RELU;
      private double layerNormEps = 1e-5;
      private boolean batchFirst;
      private boolean normFirst;

      private Builder() {}

      /** Token width, attention heads and the feed-forward block's hidden width. */
      public Builder size(int model, int heads, int feedforward) {
        dModel = model;
        nhead = heads;
        dimFeedforward = feedforward;
        return this;
      }

      public Builder layers(int encoderLayers, int decoderLayers) {
        numEncoderLayers = encoderLayers;
        numDecoderLayers = decoderLayers;
        return this;
      }

      public Builder dropout(double p) {
        dropout = p;
        return this;
      }

      public Builder activation(FeedForwardActivation a) {
        activation = a;
        return this;
      }

      public Builder layerNormEps(double eps) {
        layerNormEps = eps;
        return this;
      }

      public Builder batchFirst(boolean on) {
        batchFirst = on;
        return this;
      }

      public Builder normFirst(boolean on) {
        normFirst = on;
        return this;
      }

      /** The configuration (checked: see the record's constructor). */
      public Config build() {
        return new Config(dModel, nhead, numEncoderLayers, numDecoderLayers, dimFeedforward, dropout, activation,
            layerNormEps, batchFirst, normFirst);
      }
    }
  }

  /**
   * The masks of an encoder-decoder pass, each optional (null), with {@link MultiheadAttention}'s
   * conventions: boolean {@code true} or {@code -inf} hides a position.
   *
   * @param srcMask {@code [S, S]} encoder self-attention mask
   * @param tgtMask {@code [T, T]} decoder self-attention mask, usually {@link #causalMask}
   * @param memoryMask {@code [T, S]} decoder-to-encoder mask
   * @param srcKeyPaddingMask {@code [B, S]}: padding of the source
   * @param tgtKeyPaddingMask {@code [B, T]}: padding of the target
   * @param memoryKeyPaddingMask {@code [B, S]}: padding of the encoder output, usually the source's
   */
  public record Masks(Tensor srcMask, Tensor tgtMask, Tensor memoryMask, Tensor srcKeyPaddingMask,
      Tensor tgtKeyPaddingMask, Tensor memoryKeyPaddingMask) {
    public static Masks none() {
      return new Masks(null, null, null, null, null, null);
    }

    /** Teacher forcing: a causal target mask of {@code tgtLength}, and the source padding for both attentions over it. */
    public static Masks teacherForcing(long tgtLength, Tensor srcKeyPaddingMask) {
      return new Masks(null, causalMask(tgtLength), null, srcKeyPaddingMask, null, srcKeyPaddingMask);
    }
  }

  private final Config config;
  private final Encoder encoder;
  private final Decoder decoder;

  /** A Transformer with every matrix initialised Xavier-uniform, as {@code nn.Transformer} does. */
  public Transformer(Config config) {
    this.config = config;
    this.encoder = register("encoder", new Encoder(config));
    this.decoder = register("decoder", new Decoder(config));
    for (Tensor p : parameters()) {
      if (p.dim() > 1) {
        Init.xavierUniform(p);
      }
    }
  }

  public Config config() {
    return config;
  }

  public Encoder encoder() {
    return encoder;
  }

  public Decoder decoder() {
    return decoder;
  }

  /**
   * The decoder's output for {@code tgt} attending to the encoded {@code src}: {@code [B, T, dModel]}
   * (batch-first) or {@code [T, B, dModel]}.
   */
  public Tensor forward(Tensor src, Tensor tgt, Masks masks) {
    long srcBatch = src.dim() == 3 ? src.size(config.batchFirst() ? 0 : 1) : -1;
    long tgtBatch = tgt.dim() == 3 ? tgt.size(config.batchFirst() ? 0 : 1) : -1;
    if (srcBatch != tgtBatch) {
      throw new LayerException(this, "src and tgt must be 3-D with the same batch size, got src "
          + Tensors.describe(src) + " and tgt " + Tensors.describe(tgt));
    }
    Tensor memory = encode(src, masks.srcMask(), masks.srcKeyPaddingMask());
    return decode(tgt, memory, masks);
  }

  /** The encoder output ("memory") for {@code src}. */
  public Tensor encode(Tensor src, Tensor srcMask, Tensor srcKeyPaddingMask) {
    return encoder.forward(src, srcMask, srcKeyPaddingMask);
  }

  /** The decoder output for {@code tgt} over {@code memory}; uses the target and memory masks of {@code masks}. */
  public Tensor decode(Tensor tgt, Tensor memory, Masks masks) {
    return decoder.forward(tgt, memory, masks.tgtMask(), masks.memoryMask(), masks.tgtKeyPaddingMask(),
        masks.memoryKeyPaddingMask());
  }

  /** {@code nn.Transformer.generate_square_subsequent_mask} as a boolean mask: {@code true} above the diagonal. */
  public static Tensor causalMask(long size) {
    return MultiheadAttention.causalMask(size);
  }

  /** A stack of layers and its optional final norm: what {@link Encoder} and {@link Decoder} share. */
  public abstract static sealed class Stack<L extends Module> extends Module permits Encoder, Decoder {
    private final ModuleList<L> layers;
    private final LayerNorm norm;

    Stack(Config config, int count, boolean finalNorm, Supplier<L> layer) {
      layers = register("layers", new ModuleList<>());
      for (int i = 0; i < count; i++) {
        layers.add(layer.get());
      }
      norm = finalNorm ? register("norm", new LayerNorm(config.dModel(), config.layerNormEps())) : null;
    }

    /** The final norm applied to the output of the last layer, if the stack has one. */
    final Tensor normalized(Tensor x) {
      return norm == null ? x : norm.forward(x);
    }

    public final ModuleList<L> layers() {
      return layers;
    }
  }

  /** The stack of encoder layers and its final norm ({@code nn.TransformerEncoder}). */
  public static final class Encoder extends Stack<EncoderLayer> {
    /** The stack with a final norm, as inside {@code nn.Transformer}. */
    public Encoder(Config config) {
      this(config, true);
    }

    /** @param finalNorm whether the stack ends with a layer norm ({@code norm}; PyTorch's default alone is none) */
    public Encoder(Config config, boolean finalNorm) {
      super(config, config.numEncoderLayers(), finalNorm, () -> new EncoderLayer(config));
    }

    public Tensor forward(Tensor src, Tensor mask, Tensor keyPaddingMask) {
      Tensor x = src;
      for (EncoderLayer layer : layers()) {
        x = layer.forward(x, mask, keyPaddingMask);
      }
      return normalized(x);
    }
  }

  /** The stack of decoder layers and its final norm ({@code nn.TransformerDecoder}). */
  public static final class Decoder extends Stack<DecoderLayer> {
    /** The stack with a final norm, as inside {@code nn.Transformer}. */
    public Decoder(Config config) {
      this(config, true);
    }

    /** @param finalNorm whether the stack ends with a layer norm ({@code norm}; PyTorch's default alone is none) */
    public Decoder(Config config, boolean finalNorm) {
      super(config, config.numDecoderLayers(), finalNorm, () -> new DecoderLayer(config));
    }

    public Tensor forward(Tensor tgt, Tensor memory, Tensor tgtMask, Tensor memoryMask, Tensor tgtKeyPaddingMask,
        Tensor memoryKeyPaddingMask) {
      Tensor x = tgt;
      for (DecoderLayer layer : layers()) {
        x = layer.forward(x, memory, tgtMask, memoryMask, tgtKeyPaddingMask, memoryKeyPaddingMask);
      }
      return normalized(x);
    }
  }

  /**
   * What the encoder and decoder layers share: self-attention, the feed-forward block, and the
   * residual sub-layers {@code i} with their norm {@code norm<i>} and dropout {@code dropout<i>},
   * registered in PyTorch's order (attention, feed-forward, norms, dropouts).
   */
  abstract static sealed class ResidualLayer extends Module permits EncoderLayer, DecoderLayer {
    private final boolean normFirst;
    private final FeedForwardActivation activation;
    private final MultiheadAttention selfAttn;
    private final MultiheadAttention multiheadAttn;
    private final Linear linear1;
    private final Dropout dropout;
    private final Linear linear2;
    private final List<LayerNorm> norms = new ArrayList<>();
    private final List<Dropout> dropouts = new ArrayList<>();

    /** @param crossAttention whether it also attends to the encoder output ({@code multihead_attn}, a decoder layer) */
    ResidualLayer(Config config, boolean crossAttention) {
      normFirst = config.normFirst();
      activation = config.activation();
      selfAttn = register("self_attn", new MultiheadAttention(config.attention()));
      multiheadAttn = crossAttention ? register("multihead_attn", new MultiheadAttention(config.attention())) : null;
      linear1 = register("linear1", new Linear(config.dModel(), config.dimFeedforward()));
      dropout = register("dropout", new Dropout(config.dropout()));
      linear2 = register("linear2", new Linear(config.dimFeedforward(), config.dModel()));
      int sublayers = crossAttention ? 3 : 2;
      for (int i = 1; i <= sublayers; i++) {
        norms.add(register("norm" + i, new LayerNorm(config.dModel(), config.layerNormEps())));
      }
      for (int i = 1; i <= sublayers; i++) {
        dropouts.add(register("dropout" + i, new Dropout(config.dropout())));
      }
    }

    /**
     * Sub-layer {@code i} (from 0): {@code x + dropout(f(norm(x)))} pre-norm, {@code norm(x + dropout(f(x)))}
     * post-norm.
     */
    final Tensor residual(int i, Tensor x, UnaryOperator<Tensor> f) {
      LayerNorm norm = norms.get(i);
      Dropout drop = dropouts.get(i);
      return normFirst ? x.add(drop.forward(f.apply(norm.forward(x)))) : norm.forward(x.add(drop.forward(f.apply(x))));
    }

    final Tensor selfAttention(Tensor x, Tensor mask, Tensor keyPaddingMask) {
      return selfAttn.forward(x, x, x, keyPaddingMask, mask);
    }

    final Tensor crossAttention(Tensor x, Tensor memory, Tensor mask, Tensor keyPaddingMask) {
      return multiheadAttn.forward(x, memory, memory, keyPaddingMask, mask);
    }

    final Tensor feedForward(Tensor x) {
      Tensor h = linear1.forward(x);
      h = activation == FeedForwardActivation.RELU ? F.relu(h) : F.gelu(h, false);
      return linear2.forward(dropout.forward(h));
    }
  }

  /** Self-attention and a position-wise feed-forward block ({@code nn.TransformerEncoderLayer}). */
  public static final class EncoderLayer extends ResidualLayer {
    public EncoderLayer(Config config) {
      super(config, false);
    }

    public Tensor forward(Tensor src, Tensor mask, Tensor keyPaddingMask) {
      return LayerGuard.call(this, () -> {
        Tensor x = residual(0, src, h -> selfAttention(h, mask, keyPaddingMask));
        return residual(1, x, this::feedForward);
      });
    }
  }

  /**
   * Masked self-attention, attention over the encoder output and a feed-forward block
   * ({@code nn.TransformerDecoderLayer}).
   */
  public static final class DecoderLayer extends ResidualLayer {
    public DecoderLayer(Config config) {
      super(config, true);
    }

    public Tensor forward(Tensor tgt, Tensor memory, Tensor tgtMask, Tensor memoryMask, Tensor tgtKeyPaddingMask,
        Tensor memoryKeyPaddingMask) {
      return LayerGuard.call(this, () -> {
        Tensor x = residual(0, tgt, h -> selfAttention(h, tgtMask, tgtKeyPaddingMask));
        x = residual(1, x, h -> crossAttention(h, memory, memoryMask, memoryKeyPaddingMask));
        return residual(2, x, this::feedForward);
      });
    }
  }
}
