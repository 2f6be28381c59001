package io.nets4j.sequence;

import io.nets4j.nn.F;
import org.bytedeco.pytorch.Tensor;

/** The four tensors of one cell (one layer and direction of a recurrent layer); biases may be null. */
record CellWeights(Tensor weightIh, Tensor weightHh, Tensor biasIh, Tensor biasHh) {
  /** The input part of every gate: {@code W_ih x + b_ih}. */
  Tensor input(Tensor x) {
    return F.linear(x, weightIh, biasIh);
  }

  /** The recurrent part of every gate: {@code W_hh h + b_hh}. */
  Tensor recurrent(Tensor h) {
    return F.linear(h, weightHh, biasHh);
  }

  /** Both parts summed, for cells whose gates see them together (LSTM, Elman RNN). */
  Tensor gates(Tensor x, Tensor h) {
    return input(x).add(recurrent(h));
  }
}
