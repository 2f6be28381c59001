package io.nets4j.sequence;

import io.nets4j.nn.F;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * The long short-term memory cell (Hochreiter and Schmidhuber 1997, "Long Short-Term Memory", with
 * the forget gate of Gers, Schmidhuber and Cummins 2000), PyTorch's {@code nn.LSTMCell}. The weight
 * rows stack the input gate, forget gate, cell candidate and output gate, in that order:
 * <pre>
 *   i = sigmoid(W_ii x + b_ii + W_hi h + b_hi)      f = sigmoid(W_if x + b_if + W_hf h + b_hf)
 *   g = tanh(W_ig x + b_ig + W_hg h + b_hg)         o = sigmoid(W_io x + b_io + W_ho h + b_ho)
 *   c' = f * c + i * g                              h' = o * tanh(c')
 * </pre>
 */
public final class LSTMCell extends RecurrentCell {
  public LSTMCell(int inputSize, int hiddenSize) {
    this(inputSize, hiddenSize, true);
  }

  public LSTMCell(int inputSize, int hiddenSize, boolean bias) {
    super(CellType.LSTM, inputSize, hiddenSize, bias);
  }

  static RecurrentState equations(Tensor x, RecurrentState state, CellWeights w) {
    Tensor[] gates = Tensors.owned(w.gates(x, state.h()).chunk(4, 1));
    Tensor inputGate = F.sigmoid(gates[0]);
    Tensor forgetGate = F.sigmoid(gates[1]);
    Tensor candidate = F.tanh(gates[2]);
    Tensor outputGate = F.sigmoid(gates[3]);
    Tensor c = forgetGate.mul(state.c()).add(inputGate.mul(candidate));
    Tensor h = outputGate.mul(F.tanh(c));
    return new RecurrentState(h, c);
  }
}
