package io.nets4j.sequence;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * The state a recurrent network carries from step to step: the hidden state {@code h} and, for an
 * LSTM, the cell state {@code c} (null otherwise). For a cell both are {@code [batch, hidden]};
 * for a {@link Recurrent} layer they are {@code [layers * directions, batch, hidden]}, ordered
 * layer by layer, forward direction before reverse, as PyTorch's {@code h_n} and {@code c_n}.
 */
public record RecurrentState(Tensor h, Tensor c) {
  public RecurrentState {
    if (h == null) {
      throw new IllegalArgumentException("a recurrent state needs a hidden state h");
    }
  }

  /** A state without cell state (RNN, GRU). */
  public static RecurrentState of(Tensor h) {
    return new RecurrentState(h, null);
  }

  /**
   * The rows {@code index} of dimension {@code dim} of every part, e.g. to follow the surviving
   * hypotheses of a beam search (batch is dimension 0 of a cell's state, 1 of a layer's).
   */
  public RecurrentState indexSelect(int dim, Tensor index) {
    return new RecurrentState(h.index_select(dim, index), c == null ? null : c.index_select(dim, index));
  }

  /** Every part converted to {@code type} (differentiable). */
  public RecurrentState to(ScalarType type) {
    return new RecurrentState(h.to(type), c == null ? null : c.to(type));
  }

  /** A copy cut off from the autograd graph (truncated backpropagation through time). */
  public RecurrentState detach() {
    return new RecurrentState(h.detach(), c == null ? null : c.detach());
  }
}
