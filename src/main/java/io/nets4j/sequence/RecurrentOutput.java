package io.nets4j.sequence;

import org.bytedeco.pytorch.Tensor;

/**
 * What a {@link Recurrent} layer returns: the top layer's hidden state at every step
 * ({@code [batch, time, directions * hidden]} if batch-first, else {@code [time, batch, ...]}),
 * zero past each sequence's length, and the final state of every layer and direction.
 */
public record RecurrentOutput(Tensor output, RecurrentState state) {
  /** PyTorch's {@code h_n}. */
  public Tensor hN() {
    return state.h();
  }

  /** PyTorch's {@code c_n} (LSTM only, else null). */
  public Tensor cN() {
    return state.c();
  }
}
