package io.nets4j.sequence;

import io.nets4j.nn.F;
import org.bytedeco.pytorch.Tensor;

/**
 * The Elman recurrent cell (Elman 1990, "Finding Structure in Time"), PyTorch's {@code nn.RNNCell}:
 * {@code h' = tanh(W_ih x + b_ih + W_hh h + b_hh)}, or ReLU instead of tanh.
 */
public final class RNNCell extends RecurrentCell {
  public RNNCell(int inputSize, int hiddenSize) {
    this(inputSize, hiddenSize, true, false);
  }

  /** @param relu use ReLU instead of tanh ({@code nonlinearity='relu'}) */
  public RNNCell(int inputSize, int hiddenSize, boolean bias, boolean relu) {
    super(relu ? CellType.RNN_RELU : CellType.RNN_TANH, inputSize, hiddenSize, bias);
  }

  static Tensor equations(Tensor x, Tensor h, CellWeights w, boolean relu) {
    Tensor preActivation = w.gates(x, h);
    return relu ? F.relu(preActivation) : F.tanh(preActivation);
  }
}
