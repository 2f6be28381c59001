package io.nets4j.sequence.tasks;

import io.nets4j.nn.Embedding;
import io.nets4j.nn.F;
import io.nets4j.nn.Linear;
import io.nets4j.nn.MultiheadAttention;
import io.nets4j.sequence.Decoding;
import io.nets4j.sequence.SinusoidalPositionalEncoding;
import io.nets4j.sequence.Transformer;
import io.nets4j.tensor.Tensors;
import java.util.List;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A Transformer encoder-decoder (Vaswani et al. 2017) over characters: embeddings scaled by
 * {@code sqrt(d_model)} plus sinusoidal positions, {@link Transformer} (pre-norm, batch-first) and
 * a linear output layer. The alignment it reports is the last decoder layer's attention over the
 * source, averaged over heads.
 */
public final class TransformerSeq2Seq extends Seq2SeqModel {
  private final int dModel;
  private final Embedding sourceEmbedding;
  private final Embedding targetEmbedding;
  private final SinusoidalPositionalEncoding positions;
  private final Transformer transformer;
  private final Linear out;
  private final MultiheadAttention lastCrossAttention;

  /** @param config the Transformer's configuration; it is made batch-first */
  public TransformerSeq2Seq(CharVocabulary source, CharVocabulary target, int maxSourceLength, Transformer.Config config) {
    super(source, target, maxSourceLength);
    Transformer.Config c = config.toBuilder().batchFirst(true).build();
    dModel = c.dModel();
    sourceEmbedding = register("src_embed", new Embedding(source.size(), dModel, CharVocabulary.PAD));
    targetEmbedding = register("tgt_embed", new Embedding(target.size(), dModel));
    positions = register("pos", new SinusoidalPositionalEncoding(dModel, c.dropout(), true));
    transformer = register("transformer", new Transformer(c));
    out = register("out", new Linear(dModel, target.size()));
    var layers = transformer.decoder().layers();
    lastCrossAttention = (MultiheadAttention) layers.get(layers.size() - 1).children().get("multihead_attn");
  }

  private Tensor embed(Embedding table, Tensor ids) {
    return positions.forward(table.forward(ids).mul(new Scalar(Math.sqrt(dModel))));
  }

  private Tensor encodeSources(Sources src) {
    return transformer.encode(embed(sourceEmbedding, src.ids()), null, src.padding());
  }

  private Tensor decode(Tensor tgtIn, Tensor memory, Tensor padding) {
    Transformer.Masks masks = Transformer.Masks.teacherForcing(tgtIn.size(1), padding);
    return out.forward(transformer.decode(embed(targetEmbedding, tgtIn), memory, masks));
  }

  @Override
  public Output forward(Sources src, Tensor tgtIn) {
    Tensor memory = encodeSources(src);
    lastCrossAttention.recordAttention(true);
    try {
      Tensor logits = decode(tgtIn, memory, src.padding());
      return new Output(logits, lastCrossAttention.lastAttention().mean(new long[] {1}, false, new ScalarTypeOptional()));
    } finally {
      lastCrossAttention.recordAttention(false);
    }
  }

  /** The decoder's state: the memory, the source padding and the tokens so far (the start token first). */
  private record State(Tensor memory, Tensor padding, Tensor prefix) {}

  @Override
  protected List<Decoding.Hypothesis> greedy(Sources src, int maxLength) {
    Decoding.StepDecoder<State> stepper = new Decoding.StepDecoder<>() {
      @Override
      public Decoding.Step<State> step(Tensor lastTokens, State state) {
        Tensor prefix = state.prefix() == null ? lastTokens.unsqueeze(1)
            : Tensors.cat(List.of(state.prefix(), lastTokens.unsqueeze(1)), 1);
        Tensor logits = decode(prefix, state.memory(), state.padding()).select(1, prefix.size(1) - 1);
        return new Decoding.Step<>(F.logSoftmax(logits, 1), new State(state.memory(), state.padding(), prefix));
      }

      @Override
      public State select(State state, Tensor rows) {
        return new State(state.memory().index_select(0, rows), state.padding().index_select(0, rows),
            state.prefix() == null ? null : state.prefix().index_select(0, rows));
      }

      @Override
      public List<Tensor> tensors(State state) {
        return state.prefix() == null ? List.of(state.memory(), state.padding())
            : List.of(state.memory(), state.padding(), state.prefix());
      }
    };
    return Decoding.greedy(stepper, new State(encodeSources(src), src.padding(), null), (int) src.ids().size(0),
        CharVocabulary.BOS, CharVocabulary.EOS, maxLength);
  }

  @Override
  public String typeName() {
    return "TransformerSeq2Seq";
  }
}
