package io.nets4j.sequence;

import org.bytedeco.pytorch.Tensor;

/**
 * The recurrent cells nets4j provides, with the number of gate blocks stacked in their weight
 * matrices (PyTorch's layout: LSTM {@code i, f, g, o}; GRU {@code r, z, n}).
 */
public enum CellType {
  /** Elman RNN, {@code h' = tanh(W_ih x + b_ih + W_hh h + b_hh)}. */
  RNN_TANH(1),
  /** Elman RNN with ReLU instead of tanh. */
  RNN_RELU(1),
  /** Long short-term memory with a forget gate: input, forget, cell candidate, output. */
  LSTM(4),
  /** Gated recurrent unit: reset, update, candidate. */
  GRU(3);

  private final int gates;

  CellType(int gates) {
    this.gates = gates;
  }

  /** How many {@code hidden_size} blocks the weight matrices stack. */
  public int gates() {
    return gates;
  }

  /** Only the LSTM carries a cell state besides its hidden state. */
  public boolean hasCellState() {
    return this == LSTM;
  }

  /** One step of the cell's equations on explicit weights. */
  RecurrentState step(Tensor x, RecurrentState state, CellWeights w) {
    return switch (this) {
      case RNN_TANH -> new RecurrentState(RNNCell.equations(x, state.h(), w, false), null);
      case RNN_RELU -> new RecurrentState(RNNCell.equations(x, state.h(), w, true), null);
      case LSTM -> LSTMCell.equations(x, state, w);
      case GRU -> new RecurrentState(GRUCell.equations(x, state.h(), w), null);
    };
  }
}
