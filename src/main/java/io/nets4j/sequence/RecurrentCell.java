package io.nets4j.sequence;

import io.nets4j.nn.Init;
import io.nets4j.nn.LayerException;
import io.nets4j.nn.LayerGuard;
import io.nets4j.nn.Module;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import java.util.Arrays;
import org.bytedeco.pytorch.Tensor;

/**
 * One step of a recurrent network, for step-wise use (decoders that feed back their own output,
 * attention over an encoder at every step). Parameters as PyTorch's {@code nn.RNNCell},
 * {@code nn.LSTMCell} and {@code nn.GRUCell}: {@code weight_ih [gates * hidden, input]},
 * {@code weight_hh [gates * hidden, hidden]}, {@code bias_ih}, {@code bias_hh}, all initialised
 * U(-1/sqrt(hidden), 1/sqrt(hidden)).
 */
public abstract sealed class RecurrentCell extends Module permits RNNCell, LSTMCell, GRUCell {
  private final CellType type;
  private final int inputSize;
  private final int hiddenSize;
  private final Tensor weightIh;
  private final Tensor weightHh;
  private final Tensor biasIh;
  private final Tensor biasHh;

  RecurrentCell(CellType type, int inputSize, int hiddenSize, boolean bias) {
    if (inputSize <= 0 || hiddenSize <= 0) {
      throw new IllegalArgumentException("input and hidden sizes must be positive, got " + inputSize + " and " + hiddenSize);
    }
    this.type = type;
    this.inputSize = inputSize;
    this.hiddenSize = hiddenSize;
    long rows = (long) type.gates() * hiddenSize;
    this.weightIh = registerParameter("weight_ih", uniform(hiddenSize, rows, inputSize));
    this.weightHh = registerParameter("weight_hh", uniform(hiddenSize, rows, hiddenSize));
    this.biasIh = bias ? registerParameter("bias_ih", uniform(hiddenSize, rows)) : null;
    this.biasHh = bias ? registerParameter("bias_hh", uniform(hiddenSize, rows)) : null;
  }

  static Tensor uniform(int hiddenSize, long... shape) {
    double bound = 1 / Math.sqrt(hiddenSize);
    return Init.uniform(Tensors.empty(DType.FLOAT32, shape), -bound, bound);
  }

  /**
   * Advances the state by one step.
   *
   * @param x the input {@code [batch, input]}
   * @param state the previous state ({@code [batch, hidden]} each), or null for zeros
   */
  public RecurrentState step(Tensor x, RecurrentState state) {
    if (x.dim() != 2 || x.size(1) != inputSize) {
      throw new LayerException(this, "expected input of shape [batch, " + inputSize + "], got " + Tensors.describe(x));
    }
    RecurrentState s = state == null ? zeroState(x) : state;
    checkState(s, x.size(0));
    return LayerGuard.call(this, () -> type.step(x, s, weights()));
  }

  private RecurrentState zeroState(Tensor x) {
    Tensor h = x.new_zeros(x.size(0), hiddenSize);
    return new RecurrentState(h, type.hasCellState() ? x.new_zeros(x.size(0), hiddenSize) : null);
  }

  private void checkState(RecurrentState s, long batch) {
    long[] expected = {batch, hiddenSize};
    if (!Arrays.equals(Tensors.shape(s.h()), expected)) {
      throw new LayerException(this, "expected hidden state of shape " + Tensors.describe(expected)
          + ", got " + Tensors.describe(s.h()));
    }
    if (type.hasCellState() && (s.c() == null || !Arrays.equals(Tensors.shape(s.c()), expected))) {
      throw new LayerException(this, "expected cell state of shape " + Tensors.describe(expected) + ", got "
          + (s.c() == null ? "none" : Tensors.describe(s.c())));
    }
  }

  CellWeights weights() {
    return new CellWeights(weightIh, weightHh, biasIh, biasHh);
  }

  public CellType type() {
    return type;
  }

  public int inputSize() {
    return inputSize;
  }

  public int hiddenSize() {
    return hiddenSize;
  }
}
