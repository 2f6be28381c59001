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
import java.util.function.Supplier;
import org.bytedeco.pytorch.Tensor;

/**
 * The Transformer encoder-decoder (Vaswani et al. 2017, "Attention Is All You Need") in the
 * structure and parameter names of PyTorch's {@code nn.Transformer}: {@code encoder.layers.N}
 * ({@code self_attn}, {@code linear1}, {@code linear2}, {@code norm1}, {@code norm2}),
 * {@code encoder.norm}, {@code decoder.layers.N} (adding {@code multihead_attn} and
 * {@code norm3}) and {@code decoder.norm}.
 *
 * <p>Layers are post-norm as in the paper ({@code x = norm(x + sublayer(x))}) or pre-norm
 * ({@code x = x + sublayer(norm(x))}, Xiong et al. 2020) with {@link Config#withNormFirst}.
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
      return new Config(512, 8, 6, 6, 2048, 0.1, FeedForwardActivation.RELU, 1e-5, false, false);
    }

    public Config withSize(int model, int heads, int feedforward) {
      return new Config(model, heads, numEncoderLayers, numDecoderLayers, feedforward, dropout, activation,
          layerNormEps, batchFirst, normFirst);
    }

    public Config withLayers(int encoderLayers, int decoderLayers) {
      return new Config(dModel, nhead, encoderLayers, decoderLayers, dimFeedforward, dropout, activation,
          layerNormEps, batchFirst, normFirst);
    }

    public Config withDropout(double p) {
      return new Config(dModel, nhead, numEncoderLayers, numDecoderLayers, dimFeedforward, p, activation,
          layerNormEps, batchFirst, normFirst);
    }

    public Config withActivation(FeedForwardActivation a) {
      return new Config(dModel, nhead, numEncoderLayers, numDecoderLayers, dimFeedforward, dropout, a,
          layerNormEps, batchFirst, normFirst);
    }

    public Config withBatchFirst(boolean on) {
      return new Config(dModel, nhead, numEncoderLayers, numDecoderLayers, dimFeedforward, dropout, activation,
          layerNormEps, on, normFirst);
    }

    public Config withNormFirst(boolean on) {
      return new Config(dModel, nhead, numEncoderLayers, numDecoderLayers, dimFeedforward, dropout, activation,
          layerNormEps, batchFirst, on);
    }

    MultiheadAttention.Config attention() {
      return MultiheadAttention.Config.of(dModel, nhead).withDropout(dropout).withBatchFirst(batchFirst);
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

    public Masks withSrcMask(Tensor m) {
      return new Masks(m, tgtMask, memoryMask, srcKeyPaddingMask, tgtKeyPaddingMask, memoryKeyPaddingMask);
    }

    public Masks withTgtMask(Tensor m) {
      return new Masks(srcMask, m, memoryMask, srcKeyPaddingMask, tgtKeyPaddingMask, memoryKeyPaddingMask);
    }

    public Masks withMemoryMask(Tensor m) {
      return new Masks(srcMask, tgtMask, m, srcKeyPaddingMask, tgtKeyPaddingMask, memoryKeyPaddingMask);
    }

    public Masks withSrcKeyPaddingMask(Tensor m) {
      return new Masks(srcMask, tgtMask, memoryMask, m, tgtKeyPaddingMask, memoryKeyPaddingMask);
    }

    public Masks withTgtKeyPaddingMask(Tensor m) {
      return new Masks(srcMask, tgtMask, memoryMask, srcKeyPaddingMask, m, memoryKeyPaddingMask);
    }

    public Masks withMemoryKeyPaddingMask(Tensor m) {
      return new Masks(srcMask, tgtMask, memoryMask, srcKeyPaddingMask, tgtKeyPaddingMask, m);
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

  /** Self-attention and a position-wise feed-forward block ({@code nn.TransformerEncoderLayer}). */
  public static final class EncoderLayer extends Module {
    private final boolean normFirst;
    private final FeedForwardActivation activation;
    private final MultiheadAttention selfAttn;
    private final Linear linear1;
    private final Dropout dropout;
    private final Linear linear2;
    private final LayerNorm norm1;
    private final LayerNorm norm2;
    private final Dropout dropout1;
    private final Dropout dropout2;

    public EncoderLayer(Config config) {
      normFirst = config.normFirst();
      activation = config.activation();
      selfAttn = register("self_attn", new MultiheadAttention(config.attention()));
      linear1 = register("linear1", new Linear(config.dModel(), config.dimFeedforward()));
      dropout = register("dropout", new Dropout(config.dropout()));
      linear2 = register("linear2", new Linear(config.dimFeedforward(), config.dModel()));
      norm1 = register("norm1", new LayerNorm(config.dModel(), config.layerNormEps()));
      norm2 = register("norm2", new LayerNorm(config.dModel(), config.layerNormEps()));
      dropout1 = register("dropout1", new Dropout(config.dropout()));
      dropout2 = register("dropout2", new Dropout(config.dropout()));
    }

    public Tensor forward(Tensor src, Tensor mask, Tensor keyPaddingMask) {
      return LayerGuard.call(this, () -> {
        Tensor x = src;
        if (normFirst) {
          x = x.add(selfAttention(norm1.forward(x), mask, keyPaddingMask));
          return x.add(feedForwardBlock(norm2.forward(x)));
        }
        x = norm1.forward(x.add(selfAttention(x, mask, keyPaddingMask)));
        return norm2.forward(x.add(feedForwardBlock(x)));
      });
    }

    private Tensor selfAttention(Tensor x, Tensor mask, Tensor keyPaddingMask) {
      return dropout1.forward(selfAttn.forward(x, x, x, keyPaddingMask, mask));
    }

    private Tensor feedForwardBlock(Tensor x) {
      return dropout2.forward(feedForward(linear1, dropout, linear2, activation, x));
    }
  }

  /**
   * Masked self-attention, attention over the encoder output and a feed-forward block
   * ({@code nn.TransformerDecoderLayer}).
   */
  public static final class DecoderLayer extends Module {
    private final boolean normFirst;
    private final FeedForwardActivation activation;
    private final MultiheadAttention selfAttn;
    private final MultiheadAttention multiheadAttn;
    private final Linear linear1;
    private final Dropout dropout;
    private final Linear linear2;
    private final LayerNorm norm1;
    private final LayerNorm norm2;
    private final LayerNorm norm3;
    private final Dropout dropout1;
    private final Dropout dropout2;
    private final Dropout dropout3;

    public DecoderLayer(Config config) {
      normFirst = config.normFirst();
      activation = config.activation();
      selfAttn = register("self_attn", new MultiheadAttention(config.attention()));
      multiheadAttn = register("multihead_attn", new MultiheadAttention(config.attention()));
      linear1 = register("linear1", new Linear(config.dModel(), config.dimFeedforward()));
      dropout = register("dropout", new Dropout(config.dropout()));
      linear2 = register("linear2", new Linear(config.dimFeedforward(), config.dModel()));
      norm1 = register("norm1", new LayerNorm(config.dModel(), config.layerNormEps()));
      norm2 = register("norm2", new LayerNorm(config.dModel(), config.layerNormEps()));
      norm3 = register("norm3", new LayerNorm(config.dModel(), config.layerNormEps()));
      dropout1 = register("dropout1", new Dropout(config.dropout()));
      dropout2 = register("dropout2", new Dropout(config.dropout()));
      dropout3 = register("dropout3", new Dropout(config.dropout()));
    }

    public Tensor forward(Tensor tgt, Tensor memory, Tensor tgtMask, Tensor memoryMask, Tensor tgtKeyPaddingMask,
        Tensor memoryKeyPaddingMask) {
      return LayerGuard.call(this, () -> {
        Tensor x = tgt;
        if (normFirst) {
          x = x.add(selfAttention(norm1.forward(x), tgtMask, tgtKeyPaddingMask));
          x = x.add(crossAttention(norm2.forward(x), memory, memoryMask, memoryKeyPaddingMask));
          return x.add(feedForwardBlock(norm3.forward(x)));
        }
        x = norm1.forward(x.add(selfAttention(x, tgtMask, tgtKeyPaddingMask)));
        x = norm2.forward(x.add(crossAttention(x, memory, memoryMask, memoryKeyPaddingMask)));
        return norm3.forward(x.add(feedForwardBlock(x)));
      });
    }

    private Tensor selfAttention(Tensor x, Tensor mask, Tensor keyPaddingMask) {
      return dropout1.forward(selfAttn.forward(x, x, x, keyPaddingMask, mask));
    }

    private Tensor crossAttention(Tensor x, Tensor memory, Tensor mask, Tensor keyPaddingMask) {
      return dropout2.forward(multiheadAttn.forward(x, memory, memory, keyPaddingMask, mask));
    }

    private Tensor feedForwardBlock(Tensor x) {
      return dropout3.forward(feedForward(linear1, dropout, linear2, activation, x));
    }
  }

  /** The position-wise feed-forward block {@code linear2(dropout(activation(linear1(x))))}. */
  private static Tensor feedForward(Linear linear1, Dropout dropout, Linear linear2, FeedForwardActivation activation,
      Tensor x) {
    Tensor h = linear1.forward(x);
    h = activation == FeedForwardActivation.RELU ? F.relu(h) : F.gelu(h, false);
    return linear2.forward(dropout.forward(h));
  }
}
