package io.nets4j.captioning;

import io.nets4j.nn.ConvNormActivation;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.Embedding;
import io.nets4j.nn.F;
import io.nets4j.nn.Init;
import io.nets4j.nn.LayerException;
import io.nets4j.nn.Linear;
import io.nets4j.nn.MaxPool2d;
import io.nets4j.nn.Module;
import io.nets4j.nn.Sequential;
import io.nets4j.sequence.AdditiveAttention;
import io.nets4j.sequence.Decoding;
import io.nets4j.sequence.HardAttention;
import io.nets4j.sequence.LSTMCell;
import io.nets4j.sequence.RecurrentState;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * A small "Show, Attend and Tell" captioner (Xu et al. 2015, "Show, Attend and Tell: Neural Image
 * Caption Generation with Visual Attention"): a convolutional encoder turns the image into a grid
 * of {@code L} annotation vectors {@code a_i} of width {@code D}; an LSTM decoder, started from
 * {@code init_h(mean a)} and {@code init_c(mean a)}, attends over them at every word. The context
 * {@code z_t} is either the attention-weighted sum of the annotations ({@link Kind#SOFT}, trained
 * by backpropagation) or one annotation chosen by the attention distribution ({@link Kind#HARD},
 * sampled in training and trained by REINFORCE; the most likely location at evaluation). As in
 * the paper, a gate {@code beta = sigmoid(f_beta(h))} scales the context, the LSTM reads the
 * previous word's embedding with the context, and the word is predicted from the new state and the
 * context.
 *
 * <p>The encoder is a three-convolution stand-in for the paper's VGG (convolution, batch norm and
 * ReLU blocks named like torchvision's {@code Conv2dNormActivation}; two 2x2 poolings, so a
 * {@code 32 x 32} image gives an {@code 8 x 8} grid); a learned position embedding is added to the
 * annotations so that a chosen location also tells the decoder where it is.
 */
public final class ShowAttendTell extends Module {
  /** How the decoder forms its context from the annotations. */
  public enum Kind {
    SOFT, HARD;

    /** {@code soft} or {@code hard}. */
    public static Kind parse(String name) {
      return switch (name.toLowerCase(Locale.ROOT)) {
        case "soft" -> SOFT;
        case "hard" -> HARD;
        default -> throw new IllegalArgumentException("unknown attention '" + name + "' (use soft or hard)");
      };
    }

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * The sizes of a captioner.
   *
   * @param imageSize input images are {@code 3 x imageSize x imageSize} (a multiple of 4)
   * @param vocabulary number of tokens
   * @param features annotation width {@code D}
   * @param embedding word embedding width
   * @param hidden LSTM width
   * @param attention hidden width of the attention scorer
   */
  public record Config(int imageSize, int vocabulary, int features, int embedding, int hidden, int attention) {
    public Config {
      if (imageSize < 8 || imageSize % 4 != 0) {
        throw new IllegalArgumentException("image size must be a multiple of 4 and at least 8, got " + imageSize);
      }
      if (vocabulary < 4 || features < 1 || embedding < 1 || hidden < 1 || attention < 1) {
        throw new IllegalArgumentException("invalid captioner sizes " + this);
      }
    }

    /** Side of the annotation grid. */
    public int grid() {
      return imageSize / 4;
    }
  }

  /**
   * One decoder step.
   *
   * @param logits next-word scores {@code [B, V]}
   * @param state the LSTM state after the step
   * @param alpha the attention distribution over the {@code L} locations {@code [B, L]}
   * @param choiceLogProb hard attention: {@code log p(chosen location)} {@code [B]}; null for soft
   * @param entropy hard attention: entropy of the distribution {@code [B]}; null for soft
   */
  public record Step(Tensor logits, RecurrentState state, Tensor alpha, Tensor choiceLogProb, Tensor entropy) {}

  /**
   * Teacher-forced outputs over a caption of {@code T} predicted words.
   *
   * @param logits {@code [B, T, V]}
   * @param alphas {@code [B, T, L]}
   * @param choiceLogProbs hard attention: {@code [B, T]}; null for soft
   * @param entropies hard attention: {@code [B, T]}; null for soft
   */
  public record Output(Tensor logits, Tensor alphas, Tensor choiceLogProbs, Tensor entropies) {}

  private final Kind kind;
  private final Config config;
  private final Sequential encoder;
  private final Tensor posEmbed;
  private final Embedding embedding;
  private final Module attention;
  private final Linear initH;
  private final Linear initC;
  private final Linear fBeta;
  private final LSTMCell decodeStep;
  private final Linear fc;

  public ShowAttendTell(Kind kind, Config config) {
    this.kind = kind;
    this.config = config;
    int d = config.features();
    // the paper's annotations come from a pretrained, normalised VGG; this encoder learns from
    // scratch, so batch norm keeps its features at a stable scale while the decoder learns to use them
    encoder = register("encoder", new Sequential(
        new ConvNormActivation(3, 16, ConvSpec.kernel(3)), new MaxPool2d(2, 2, 0),
        new ConvNormActivation(16, 32, ConvSpec.kernel(3)), new MaxPool2d(2, 2, 0),
        new ConvNormActivation(32, d, ConvSpec.kernel(3))));
    int locations = config.grid() * config.grid();
    posEmbed = registerParameter("pos_embed", Init.normal(Tensors.empty(DType.FLOAT32, 1, locations, d), 0, 0.1));
    embedding = register("embedding", new Embedding(config.vocabulary(), config.embedding()));
    attention = register("attention", kind == Kind.SOFT
        ? new AdditiveAttention(config.hidden(), d, config.attention())
        : new HardAttention(config.hidden(), d, config.attention()));
    initH = register("init_h", new Linear(d, config.hidden()));
    initC = register("init_c", new Linear(d, config.hidden()));
    fBeta = register("f_beta", new Linear(config.hidden(), d));
    decodeStep = register("decode_step", new LSTMCell(config.embedding() + d, config.hidden()));
    fc = register("fc", new Linear(config.hidden() + d, config.vocabulary()));
  }

  public Kind kind() {
    return kind;
  }

  public Config config() {
    return config;
  }

  /** The annotation vectors {@code [B, L, D]} of images {@code [B, 3, S, S]}, row-major over the grid. */
  public Tensor encode(Tensor images) {
    int s = config.imageSize();
    if (images.dim() != 4 || images.size(1) != 3 || images.size(2) != s || images.size(3) != s) {
      throw new LayerException(this, "expected images of shape [batch, 3, " + s + ", " + s + "], got "
          + Tensors.describe(images));
    }
    return encoder.forward(images).flatten(2, -1).transpose(1, 2).add(posEmbed);
  }

  /** The decoder's initial state from the mean annotation. */
  public RecurrentState initialState(Tensor annotations) {
    Tensor mean = annotations.sum(new long[] {1}, false, new ScalarTypeOptional())
        .div(new Scalar((double) annotations.size(1)));
    return new RecurrentState(initH.forward(mean), initC.forward(mean));
  }

  /** Reads the previous words {@code [B]} (int64) and scores the next ones. */
  public Step step(Tensor previous, RecurrentState state, Tensor annotations) {
    Tensor context;
    Tensor alpha;
    Tensor logProb = null;
    Tensor entropy = null;
    if (attention instanceof AdditiveAttention soft) {
      AdditiveAttention.Result r = soft.forward(state.h(), annotations, null);
      context = r.context();
      alpha = r.weights();
    } else {
      HardAttention.Choice c = ((HardAttention) attention).forward(state.h(), annotations, annotations, null);
      context = c.context();
      alpha = c.probs();
      logProb = c.logProb();
      entropy = c.entropy();
    }
    Tensor z = F.sigmoid(fBeta.forward(state.h())).mul(context);
    RecurrentState next = decodeStep.step(Tensors.cat(List.of(embedding.forward(previous), z), 1), state);
    Tensor logits = fc.forward(Tensors.cat(List.of(next.h(), z), 1));
    return new Step(logits, next, alpha, logProb, entropy);
  }

  /**
   * Teacher forcing: predicts {@code tokens[:, 1:]} from {@code tokens[:, :-1]}.
   *
   * @param tokens {@code [B, T + 1]} int64, starting with the start token
   */
  public Output forward(Tensor images, Tensor tokens) {
    if (tokens.dim() != 2 || tokens.size(0) != images.size(0) || tokens.size(1) < 2) {
      throw new LayerException(this, "expected tokens [" + images.size(0) + ", length >= 2] for "
          + Tensors.describe(images) + " images, got " + Tensors.describe(tokens));
    }
    Tensor annotations = encode(images);
    RecurrentState state = initialState(annotations);
    List<Tensor> logits = new ArrayList<>();
    List<Tensor> alphas = new ArrayList<>();
    List<Tensor> logProbs = new ArrayList<>();
    List<Tensor> entropies = new ArrayList<>();
    for (long t = 0; t + 1 < tokens.size(1); t++) {
      Step s = step(tokens.select(1, t), state, annotations);
      state = s.state();
      logits.add(s.logits());
      alphas.add(s.alpha());
      if (kind == Kind.HARD) {
        logProbs.add(s.choiceLogProb());
        entropies.add(s.entropy());
      }
    }
    return new Output(torch.stack(new TensorVector(logits.toArray(new Tensor[0])), 1),
        torch.stack(new TensorVector(alphas.toArray(new Tensor[0])), 1),
        kind == Kind.HARD ? torch.stack(new TensorVector(logProbs.toArray(new Tensor[0])), 1) : null,
        kind == Kind.HARD ? torch.stack(new TensorVector(entropies.toArray(new Tensor[0])), 1) : null);
  }

  /**
   * The decoder state during generation: the LSTM state and the annotations it attends to.
   */
  public record DecoderState(RecurrentState lstm, Tensor annotations) {}

  /**
   * A {@link Decoding.StepDecoder} over this captioner that hands every step's attention
   * distribution {@code [rows, L]} to {@code onAttention} as Java floats (row-major).
   */
  public Decoding.StepDecoder<DecoderState> stepDecoder(Consumer<float[]> onAttention) {
    return new Decoding.StepDecoder<>() {
      @Override
      public Decoding.Step<DecoderState> step(Tensor lastTokens, DecoderState state) {
        Step s = ShowAttendTell.this.step(lastTokens, state.lstm(), state.annotations());
        if (onAttention != null) {
          onAttention.accept(Tensors.toFloatArray(s.alpha()));
        }
        return new Decoding.Step<>(F.logSoftmax(s.logits(), 1), new DecoderState(s.state(), state.annotations()));
      }

      @Override
      public DecoderState select(DecoderState state, Tensor rows) {
        return new DecoderState(state.lstm().indexSelect(0, rows), state.annotations().index_select(0, rows));
      }

      @Override
      public List<Tensor> tensors(DecoderState state) {
        return List.of(state.lstm().h(), state.lstm().c(), state.annotations());
      }
    };
  }

  @Override
  public String typeName() {
    return "ShowAttendTell";
  }
}
