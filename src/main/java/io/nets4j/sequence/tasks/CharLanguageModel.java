package io.nets4j.sequence.tasks;

import io.nets4j.nn.Embedding;
import io.nets4j.nn.F;
import io.nets4j.nn.Linear;
import io.nets4j.nn.Module;
import io.nets4j.sequence.Recurrent;
import io.nets4j.sequence.RecurrentConfig;
import io.nets4j.sequence.SinusoidalPositionalEncoding;
import io.nets4j.sequence.Transformer;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A neural character language model: {@link #logits} gives, at every position of a sequence
 * {@code [B, T]} of character ids, the logits {@code [B, T, V]} of the next character, using only
 * that position and the ones before it. The families are in {@link Kind}.
 */
public abstract class CharLanguageModel extends Module {
  /** The model families compared by {@code nets4j lm}. */
  public enum Kind {
    /** Bengio et al. 2003, "A Neural Probabilistic Language Model": an MLP over the last k characters. */
    WINDOW_MLP("fixed-window MLP"),
    /** Hochreiter and Schmidhuber 1997, one LSTM layer. */
    LSTM("LSTM"),
    /** Cho et al. 2014, one GRU layer. */
    GRU("GRU"),
    /** Vaswani et al. 2017 / Radford et al. 2018: a causal Transformer (decoder-only). */
    TRANSFORMER("causal Transformer");

    private final String title;

    Kind(String title) {
      this.title = title;
    }

    public String title() {
      return title;
    }

    /**
     * A model of this family of about the same size for all families.
     *
     * @param vocabulary character ids
     * @param maxLength the longest sequence the model accepts
     */
    public CharLanguageModel create(int vocabulary, int maxLength, int width) {
      return switch (this) {
        case WINDOW_MLP -> new WindowMlp(vocabulary, maxLength, 8, width / 4, 2 * width);
        case LSTM -> new RecurrentLm(vocabulary, maxLength, RecurrentConfig.lstm(width / 2, width), width / 2);
        case GRU -> new RecurrentLm(vocabulary, maxLength, RecurrentConfig.gru(width / 2, width), width / 2);
        case TRANSFORMER -> new CausalTransformer(vocabulary, maxLength,
            Transformer.Config.builder().size(width / 2, 4, width).layers(3, 0).dropout(0.0)
                .normFirst(true).build());
      };
    }
  }

  private final int vocabulary;
  private final int maxLength;

  protected CharLanguageModel(int vocabulary, int maxLength) {
    if (vocabulary < 1 || maxLength < 1) {
      throw new IllegalArgumentException("vocabulary and maximum length must be positive, got " + vocabulary + " and "
          + maxLength);
    }
    this.vocabulary = vocabulary;
    this.maxLength = maxLength;
  }

  public int vocabulary() {
    return vocabulary;
  }

  /** The longest sequence {@link #logits} accepts. */
  public int maxLength() {
    return maxLength;
  }

  /** Next-character logits {@code [B, T, V]} for ids {@code [B, T]}, {@code 1 <= T <= maxLength}. */
  public final Tensor logits(Tensor ids) {
    if (ids.dim() != 2 || ids.size(1) < 1) {
      throw new IllegalArgumentException(typeName() + ": expected character ids [batch, length >= 1], got "
          + Tensors.describe(ids));
    }
    if (ids.size(1) > maxLength) {
      throw new IllegalArgumentException(typeName() + ": sequence of " + ids.size(1) + " characters is longer than the "
          + "model's limit of " + maxLength);
    }
    return compute(ids);
  }

  protected abstract Tensor compute(Tensor ids);

  /** Bengio et al. 2003: {@code y = W tanh(H [e(x_{t-k+1}); ...; e(x_t)] + d) + b}; missing history is padding (id 0). */
  static final class WindowMlp extends CharLanguageModel {
    private final int window;
    private final Embedding embedding;
    private final Linear hidden;
    private final Linear out;

    WindowMlp(int vocabulary, int maxLength, int window, int embeddingDim, int hiddenSize) {
      super(vocabulary, maxLength);
      this.window = window;
      embedding = register("embed", new Embedding(vocabulary, embeddingDim));
      hidden = register("hidden", new Linear(window * embeddingDim, hiddenSize));
      out = register("out", new Linear(hiddenSize, vocabulary));
    }

    @Override
    protected Tensor compute(Tensor ids) {
      // position t sees ids t-window+1 .. t: pad window-1 zeros in front and slide
      Tensor padded = torch.constant_pad_nd(ids, new long[] {window - 1, 0}, new Scalar(0));
      Tensor windows = padded.unfold(1, window, 1);
      Tensor e = embedding.forward(windows).flatten(2, -1);
      return out.forward(F.tanh(hidden.forward(e)));
    }

    @Override
    public String typeName() {
      return "WindowMlp";
    }
  }

  /** An embedding, one recurrent layer (LSTM or GRU) and a linear read-out. */
  static final class RecurrentLm extends CharLanguageModel {
    private final Embedding embedding;
    private final Recurrent rnn;
    private final Linear out;

    RecurrentLm(int vocabulary, int maxLength, RecurrentConfig config, int embeddingDim) {
      super(vocabulary, maxLength);
      embedding = register("embed", new Embedding(vocabulary, embeddingDim));
      rnn = register("rnn", new Recurrent(config.withBatchFirst(true)));
      out = register("out", new Linear(config.hiddenSize(), vocabulary));
    }

    @Override
    protected Tensor compute(Tensor ids) {
      return out.forward(rnn.forward(embedding.forward(ids)));
    }

    @Override
    public String typeName() {
      return rnn.typeName() + "Lm";
    }
  }

  /** Embeddings plus sinusoidal positions, a stack of self-attention layers under a causal mask, a final norm and a read-out. */
  static final class CausalTransformer extends CharLanguageModel {
    private final int dModel;
    private final Embedding embedding;
    private final SinusoidalPositionalEncoding positions;
    private final Transformer.Encoder blocks;
    private final Linear out;

    CausalTransformer(int vocabulary, int maxLength, Transformer.Config config) {
      super(vocabulary, maxLength);
      Transformer.Config c = config.toBuilder().batchFirst(true).build();
      dModel = c.dModel();
      embedding = register("embed", new Embedding(vocabulary, dModel));
      positions = register("pos", new SinusoidalPositionalEncoding(dModel, c.dropout(), true));
      blocks = register("blocks", new Transformer.Encoder(c, true));
      out = register("out", new Linear(dModel, vocabulary));
    }

    @Override
    protected Tensor compute(Tensor ids) {
      Tensor x = positions.forward(embedding.forward(ids).mul(new Scalar(Math.sqrt(dModel))));
      return out.forward(blocks.forward(x, Transformer.causalMask(ids.size(1)), null));
    }

    @Override
    public String typeName() {
      return "CausalTransformer";
    }
  }
}
