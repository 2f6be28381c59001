package io.nets4j.sequence.tasks;

import io.nets4j.nn.Embedding;
import io.nets4j.nn.F;
import io.nets4j.nn.Linear;
import io.nets4j.sequence.AdditiveAttention;
import io.nets4j.sequence.Decoding;
import io.nets4j.sequence.GRUCell;
import io.nets4j.sequence.Recurrent;
import io.nets4j.sequence.RecurrentConfig;
import io.nets4j.sequence.RecurrentState;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The attentive encoder-decoder of Bahdanau, Cho and Bengio 2015 ("Neural Machine Translation by
 * Jointly Learning to Align and Translate"): a bidirectional GRU reads the source into annotations
 * {@code h_j = [h_j^fwd; h_j^bwd]}; the decoder starts from {@code s_0 = tanh(W_s h_1^bwd)} and
 * at step {@code i} attends with its previous state, {@code c_i = sum_j softmax_j(v^T tanh(W s_{i-1}
 * + U h_j)) h_j}, then updates {@code s_i = GRU([E y_{i-1}; c_i], s_{i-1})} and predicts
 * {@code y_i} from {@code [s_i; c_i; E y_{i-1}]} (one linear layer in place of the paper's maxout).
 */
public final class BahdanauSeq2Seq extends Seq2SeqModel {
  /**
   * @param embeddingDim width of the character embeddings (source and target)
   * @param hiddenSize width of each encoder direction and of the decoder state
   */
  public record Config(int embeddingDim, int hiddenSize) {
    public Config {
      if (embeddingDim <= 0 || hiddenSize <= 0) {
        throw new IllegalArgumentException("sizes must be positive, got " + embeddingDim + " and " + hiddenSize);
      }
    }
  }

  private final Embedding sourceEmbedding;
  private final Recurrent encoder;
  private final Linear initState;
  private final Embedding targetEmbedding;
  private final AdditiveAttention attention;
  private final GRUCell decoder;
  private final Linear out;

  public BahdanauSeq2Seq(CharVocabulary source, CharVocabulary target, int maxSourceLength, Config config) {
    super(source, target, maxSourceLength);
    int e = config.embeddingDim();
    int h = config.hiddenSize();
    sourceEmbedding = register("src_embed", new Embedding(source.size(), e, CharVocabulary.PAD));
    encoder = register("encoder", new Recurrent(RecurrentConfig.gru(e, h).withBidirectional(true).withBatchFirst(true)));
    initState = register("init_state", new Linear(h, h));
    targetEmbedding = register("tgt_embed", new Embedding(target.size(), e));
    attention = register("attention", new AdditiveAttention(h, 2 * h, h));
    decoder = register("decoder", new GRUCell(e + 2 * h, h));
    out = register("out", new Linear(h + 2 * h + e, target.size()));
  }

  /** What the decoder carries between steps: its state and the source annotations with their padding. */
  private record State(Tensor s, Tensor annotations, Tensor padding) {}

  private State encodeSources(Sources src) {
    Tensor x = sourceEmbedding.forward(src.ids());
    // lengths only when some source is padded: Recurrent turns a single length into a 0-D tensor that packing rejects
    boolean padded = Arrays.stream(src.lengths()).anyMatch(l -> l < src.ids().size(1));
    var enc = encoder.forward(x, null, padded ? src.lengths() : null);
    // h_n row 1 is the backward direction's state after reading back to the first character
    Tensor s0 = F.tanh(initState.forward(enc.hN().select(0, 1)));
    return new State(s0, enc.output(), src.padding());
  }

  /** One decoder step: logits of the next token, attention weights, and the new state. */
  private record StepResult(Tensor logits, Tensor weights, State state) {}

  private StepResult step(Tensor previous, State st) {
    Tensor y = targetEmbedding.forward(previous);
    AdditiveAttention.Result a = attention.forward(st.s(), st.annotations(), st.padding());
    Tensor s = decoder.step(Tensors.cat(List.of(y, a.context()), 1), RecurrentState.of(st.s())).h();
    Tensor logits = out.forward(Tensors.cat(List.of(s, a.context(), y), 1));
    return new StepResult(logits, a.weights(), new State(s, st.annotations(), st.padding()));
  }

  @Override
  public Output forward(Sources src, Tensor tgtIn) {
    State st = encodeSources(src);
    List<Tensor> logits = new ArrayList<>();
    List<Tensor> weights = new ArrayList<>();
    for (int t = 0; t < tgtIn.size(1); t++) {
      StepResult r = step(tgtIn.select(1, t), st);
      logits.add(r.logits());
      weights.add(r.weights());
      st = r.state();
    }
    return new Output(torch.stack(new TensorVector(logits.toArray(new Tensor[0])), 1),
        torch.stack(new TensorVector(weights.toArray(new Tensor[0])), 1));
  }

  @Override
  protected List<Decoding.Hypothesis> greedy(Sources src, int maxLength) {
    Decoding.StepDecoder<State> stepper = new Decoding.StepDecoder<>() {
      @Override
      public Decoding.Step<State> step(Tensor lastTokens, State state) {
        StepResult r = BahdanauSeq2Seq.this.step(lastTokens, state);
        return new Decoding.Step<>(F.logSoftmax(r.logits(), 1), r.state());
      }

      @Override
      public State select(State state, Tensor rows) {
        return new State(state.s().index_select(0, rows), state.annotations().index_select(0, rows),
            state.padding().index_select(0, rows));
      }

      @Override
      public List<Tensor> tensors(State state) {
        return List.of(state.s(), state.annotations(), state.padding());
      }
    };
    return Decoding.greedy(stepper, encodeSources(src), (int) src.ids().size(0), CharVocabulary.BOS,
        CharVocabulary.EOS, maxLength);
  }

  @Override
  public String typeName() {
    return "BahdanauSeq2Seq";
  }
}
