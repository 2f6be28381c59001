package io.nets4j.sequence;

import io.nets4j.nn.F;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The gated recurrent unit (Cho et al. 2014, "Learning Phrase Representations using RNN
 * Encoder-Decoder for Statistical Machine Translation"), PyTorch's {@code nn.GRUCell}. No cell
 * state: the reset gate {@code r} decides how much of the previous state feeds the candidate
 * {@code n}, the update gate {@code z} how much of the previous state is kept:
 * <pre>
 *   r = sigmoid(W_ir x + b_ir + W_hr h + b_hr)      z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
 *   n = tanh(W_in x + b_in + r * (W_hn h + b_hn))   h' = (1 - z) * n + z * h
 * </pre>
 */
public final class GRUCell extends RecurrentCell {
  public GRUCell(int inputSize, int hiddenSize) {
    this(inputSize, hiddenSize, true);
  }

  public GRUCell(int inputSize, int hiddenSize, boolean bias) {
    super(CellType.GRU, inputSize, hiddenSize, bias);
  }

  static Tensor equations(Tensor x, Tensor h, CellWeights w) {
    // the reset gate scales the recurrent part including its bias, so the two halves stay apart
    Tensor[] in = Tensors.owned(w.input(x).chunk(3, 1));
    Tensor[] rec = Tensors.owned(w.recurrent(h).chunk(3, 1));
    Tensor resetGate = F.sigmoid(in[0].add(rec[0]));
    Tensor updateGate = F.sigmoid(in[1].add(rec[1]));
    Tensor candidate = F.tanh(in[2].add(resetGate.mul(rec[2])));
    return torch.rsub(updateGate, new Scalar(1.0)).mul(candidate).add(updateGate.mul(h));
  }
}
