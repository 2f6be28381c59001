package io.nets4j.bench;

import io.nets4j.nn.Embedding;
import io.nets4j.nn.Layer;
import io.nets4j.nn.Linear;
import io.nets4j.sequence.Recurrent;
import io.nets4j.sequence.RecurrentConfig;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * The word-level LSTM language model of the benchmark suite (the "medium" model of Zaremba et al.
 * 2014, "Recurrent Neural Network Regularization", without its dropout): token embedding, a
 * two-layer LSTM, and a linear decoder to the vocabulary. Input {@code [batch, time]} token ids,
 * output logits {@code [batch * time, vocab]}.
 */
public final class LstmLanguageModel extends Layer {
  private final Embedding encoder;
  private final Recurrent rnn;
  private final Linear decoder;

  public LstmLanguageModel(int vocab, int embed, int hidden, int layers) {
    this.encoder = register("encoder", new Embedding(vocab, embed));
    this.rnn = register("rnn", new Recurrent(RecurrentConfig.lstm(embed, hidden).withLayers(layers).withBatchFirst(true)));
    this.decoder = register("decoder", new Linear(hidden, vocab));
  }

  @Override
  protected Tensor compute(Tensor tokens) {
    if (tokens.dim() != 2) {
      throw fail("expected token ids of shape [batch, time], got " + Tensors.describe(tokens));
    }
    Tensor h = rnn.forward(encoder.forward(tokens));
    return decoder.forward(h.reshape(-1, h.size(2)));
  }
}
