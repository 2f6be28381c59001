package io.nets4j.sequence;

import io.nets4j.nn.F;
import io.nets4j.nn.Layer;
import io.nets4j.nn.LayerGuard;
import io.nets4j.tensor.Autocast;
import io.nets4j.tensor.CpuCapabilities;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import java.lang.ref.Reference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.PackedSequence;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.T_TensorTensorTensor_T;
import org.bytedeco.pytorch.T_TensorTensor_T;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * A multi-layer, optionally bidirectional recurrent layer: PyTorch's {@code nn.RNN},
 * {@code nn.LSTM} and {@code nn.GRU}, with their parameter names and order
 * ({@code weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0, weight_ih_l0_reverse, ...}) and gate
 * layout, so their state_dicts load unchanged.
 *
 * <p>It computes in one of two ways that give the same function: {@link Implementation#FUSED}
 * calls libtorch's recurrent kernels ({@code torch.lstm}, {@code torch.gru}, {@code torch.rnn_tanh},
 * {@code torch.rnn_relu}), and {@link Implementation#CELLS} loops over time with the cell
 * equations written out in {@link RNNCell}, {@link LSTMCell} and {@link GRUCell}, for reading and
 * for checking the kernels.
 *
 * <p>Sequences of different lengths are padded to a common length and passed with their
 * {@code lengths}, which has the effect of PyTorch's {@code pack_padded_sequence}: outputs past a
 * sequence's length are zero, the reverse direction starts at each sequence's own last step, and
 * the final state is taken at each sequence's own last step.
 */
public final class Recurrent extends Layer {
  /** How the layer computes. */
  public enum Implementation {
    /** libtorch's fused recurrent kernels. */
    FUSED,
    /** A loop over time with the explicit cell equations. */
    CELLS
  }

  private final RecurrentConfig config;
  private final List<CellWeights> cells = new ArrayList<>();
  private Implementation implementation = Implementation.FUSED;

  public Recurrent(RecurrentConfig config) {
    this.config = config;
    int h = config.hiddenSize();
    long rows = (long) config.type().gates() * h;
    for (int layer = 0; layer < config.numLayers(); layer++) {
      long in = layer == 0 ? config.inputSize() : (long) h * config.directions();
      for (int dir = 0; dir < config.directions(); dir++) {
        String suffix = "_l" + layer + (dir == 1 ? "_reverse" : "");
        Tensor wIh = registerParameter("weight_ih" + suffix, RecurrentCell.uniform(h, rows, in));
        Tensor wHh = registerParameter("weight_hh" + suffix, RecurrentCell.uniform(h, rows, h));
        Tensor bIh = config.bias() ? registerParameter("bias_ih" + suffix, RecurrentCell.uniform(h, rows)) : null;
        Tensor bHh = config.bias() ? registerParameter("bias_hh" + suffix, RecurrentCell.uniform(h, rows)) : null;
        cells.add(new CellWeights(wIh, wHh, bIh, bHh));
      }
    }
  }

  public RecurrentConfig config() {
    return config;
  }

  public Implementation implementation() {
    return implementation;
  }

  /** Selects how the layer computes; both give the same function. */
  public Recurrent implementation(Implementation how) {
    this.implementation = how;
    return this;
  }

  /** The output sequence for a zero initial state and full-length sequences. */
  @Override
  protected Tensor compute(Tensor x) {
    return run(x, null, null).output();
  }

  /**
   * Runs the layer over full-length sequences.
   *
   * @param x {@code [batch, time, input]} if batch-first, else {@code [time, batch, input]}
   * @param initial the initial state ({@code [layers * directions, batch, hidden]}), or null for zeros
   */
  public RecurrentOutput forward(Tensor x, RecurrentState initial) {
    return forward(x, initial, null);
  }

  /**
   * Runs the layer over padded sequences of the given lengths.
   *
   * @param lengths the length of each sequence of the batch, in {@code [1, time]}; null when all
   *     sequences fill the time dimension
   */
  public RecurrentOutput forward(Tensor x, RecurrentState initial, long[] lengths) {
    return LayerGuard.call(this, () -> run(x, initial, lengths));
  }

  private RecurrentOutput run(Tensor x, RecurrentState initial, long[] lengths) {
    checkInput(x);
    long batch = x.size(config.batchFirst() ? 0 : 1);
    long time = x.size(config.batchFirst() ? 1 : 0);
    RecurrentState h0 = initial == null ? zeroState(x, batch) : checkState(initial, batch);
    if (lengths != null) {
      checkLengths(lengths, batch, time);
    }
    return implementation == Implementation.FUSED ? fused(x, h0, lengths) : cellByCell(x, h0, lengths);
  }

  private RecurrentOutput fused(Tensor x, RecurrentState h0, long[] lengths) {
    Tensor[] weights = flatWeights();
    boolean bf16 = Tensors.dtype(x) == DType.BFLOAT16 || Tensors.dtype(weights[0]) == DType.BFLOAT16
        || Autocast.bfloat16Active();
    if (bf16 && !CpuCapabilities.current().bf16Recurrent().supported()) {
      return inFloat32(x, h0, lengths, weights);
    }
    return fused(x, h0, lengths, weights);
  }

  /**
   * The fused kernels in float32 where this CPU has no bfloat16 recurrent kernels: autocast would
   * cast the call to bfloat16, so it is suspended for it, and a bfloat16 input gets a bfloat16 result.
   */
  private RecurrentOutput inFloat32(Tensor x, RecurrentState h0, long[] lengths, Tensor[] weights) {
    ScalarType f32 = DType.FLOAT32.scalarType();
    try (Autocast off = Autocast.suspended()) {
      Tensor[] weights32 = Arrays.stream(weights).map(w -> w.to(f32)).toArray(Tensor[]::new);
      RecurrentOutput out = fused(x.to(f32), h0.to(f32), lengths, weights32);
      DType back = Tensors.dtype(x);
      return back == DType.FLOAT32 ? out
          : new RecurrentOutput(out.output().to(back.scalarType()), out.state().to(back.scalarType()));
    }
  }

  private RecurrentOutput fused(Tensor x, RecurrentState h0, long[] lengths, Tensor[] weights) {
    TensorVector params = new TensorVector(weights);
    CellType type = config.type();
    boolean train = isTraining();
    int layers = config.numLayers();
    double p = config.dropout();
    boolean bi = config.bidirectional();
    if (lengths == null) {
      if (type == CellType.LSTM) {
        T_TensorTensorTensor_T r = torch.lstm(x, new TensorVector(h0.h(), h0.c()), params, config.bias(), layers, p,
            train, bi, config.batchFirst());
        Tensor[] out = Tensors.owned(r);
        return new RecurrentOutput(out[0], new RecurrentState(out[1], out[2]));
      }
      T_TensorTensor_T r = switch (type) {
        case GRU -> torch.gru(x, h0.h(), params, config.bias(), layers, p, train, bi, config.batchFirst());
        case RNN_TANH -> torch.rnn_tanh(x, h0.h(), params, config.bias(), layers, p, train, bi, config.batchFirst());
        default -> torch.rnn_relu(x, h0.h(), params, config.bias(), layers, p, train, bi, config.batchFirst());
      };
      Tensor[] out = Tensors.owned(r);
      return new RecurrentOutput(out[0], RecurrentState.of(out[1]));
    }
    // packing sorts the batch by decreasing length; the state follows that order inside the kernel
    PackedSequence packed = torch.pack_padded_sequence(x, Tensors.fromLongs(lengths.clone()), config.batchFirst(), false);
    Tensor sorted = Tensors.owned(packed.sorted_indices());
    Tensor unsorted = Tensors.owned(packed.unsorted_indices());
    Tensor data = Tensors.owned(packed.data());
    Tensor batchSizes = Tensors.owned(packed.batch_sizes());
    Reference.reachabilityFence(packed);
    RecurrentState s0 = h0.indexSelect(1, sorted);
    Tensor outData;
    RecurrentState sN;
    if (type == CellType.LSTM) {
      T_TensorTensorTensor_T r = torch.lstm(data, batchSizes, new TensorVector(s0.h(), s0.c()), params, config.bias(),
          layers, p, train, bi);
      Tensor[] out = Tensors.owned(r);
      outData = out[0];
      sN = new RecurrentState(out[1], out[2]);
    } else {
      T_TensorTensor_T r = switch (type) {
        case GRU -> torch.gru(data, batchSizes, s0.h(), params, config.bias(), layers, p, train, bi);
        case RNN_TANH -> torch.rnn_tanh(data, batchSizes, s0.h(), params, config.bias(), layers, p, train, bi);
        default -> torch.rnn_relu(data, batchSizes, s0.h(), params, config.bias(), layers, p, train, bi);
      };
      Tensor[] out = Tensors.owned(r);
      outData = out[0];
      sN = RecurrentState.of(out[1]);
    }
    long time = x.size(config.batchFirst() ? 1 : 0);
    Tensor out = Tensors.owned(torch.pad_packed_sequence(new PackedSequence(outData, batchSizes, sorted, unsorted),
        config.batchFirst(), 0.0, new LongOptional(time)))[0];
    return new RecurrentOutput(out, sN.indexSelect(1, unsorted));
  }

  /** The kernels take the weights in state_dict order: per layer and direction w_ih, w_hh, b_ih, b_hh. */
  private Tensor[] flatWeights() {
    return ownParameters().values().toArray(new Tensor[0]);
  }

  /** The explicit form: every layer and direction steps its cell through time. */
  private RecurrentOutput cellByCell(Tensor x, RecurrentState h0, long[] lengths) {
    Tensor seq = config.batchFirst() ? x.transpose(0, 1) : x;
    int time = (int) seq.size(0);
    // valid[t] is true for the sequences that still run at step t: elsewhere the state is held
    Tensor valid = lengths == null ? null
        : torch.arange(new Scalar(time)).unsqueeze(1).lt(Tensors.fromLongs(lengths.clone()).unsqueeze(0))
            .to(x.device(), DType.BOOL.scalarType());
    List<Tensor> finalH = new ArrayList<>();
    List<Tensor> finalC = new ArrayList<>();
    Tensor layerInput = seq;
    int dirs = config.directions();
    for (int layer = 0; layer < config.numLayers(); layer++) {
      List<Tensor> directionOutputs = new ArrayList<>();
      for (int dir = 0; dir < dirs; dir++) {
        int index = layer * dirs + dir;
        CellWeights w = cells.get(index);
        RecurrentState s = new RecurrentState(h0.h().select(0, index), h0.c() == null ? null : h0.c().select(0, index));
        Tensor[] outputs = new Tensor[time];
        for (int step = 0; step < time; step++) {
          int t = dir == 0 ? step : time - 1 - step;
          RecurrentState next = config.type().step(layerInput.select(0, t), s, w);
          if (valid == null) {
            outputs[t] = next.h();
          } else {
            Tensor running = valid.select(0, t).unsqueeze(1);
            next = new RecurrentState(torch.where(running, next.h(), s.h()),
                next.c() == null ? null : torch.where(running, next.c(), s.c()));
            outputs[t] = torch.where(running, next.h(), new Scalar(0.0));
          }
          s = next;
        }
        directionOutputs.add(torch.stack(new TensorVector(outputs), 0));
        finalH.add(s.h());
        finalC.add(s.c());
      }
      layerInput = dirs == 1 ? directionOutputs.get(0) : Tensors.cat(directionOutputs, 2);
      if (layer < config.numLayers() - 1) {
        layerInput = F.dropout(layerInput, config.dropout(), isTraining());
      }
    }
    Tensor output = config.batchFirst() ? layerInput.transpose(0, 1) : layerInput;
    Tensor hN = torch.stack(new TensorVector(finalH.toArray(new Tensor[0])), 0);
    Tensor cN = config.type().hasCellState() ? torch.stack(new TensorVector(finalC.toArray(new Tensor[0])), 0) : null;
    return new RecurrentOutput(output, new RecurrentState(hN, cN));
  }

  private RecurrentState zeroState(Tensor x, long batch) {
    long[] shape = stateShape(batch);
    return new RecurrentState(x.new_zeros(shape), config.type().hasCellState() ? x.new_zeros(shape) : null);
  }

  private long[] stateShape(long batch) {
    return new long[] {(long) config.numLayers() * config.directions(), batch, config.hiddenSize()};
  }

  private void checkInput(Tensor x) {
    String layout = config.batchFirst() ? "[batch, time, " : "[time, batch, ";
    if (x.dim() != 3 || x.size(2) != config.inputSize()) {
      throw fail("expected input of shape " + layout + config.inputSize() + "], got " + Tensors.describe(x));
    }
    if (!x.is_floating_point()) {
      throw fail("expected a floating-point input, got " + Tensors.dtype(x).torchName());
    }
  }

  private RecurrentState checkState(RecurrentState s, long batch) {
    long[] expected = stateShape(batch);
    if (!Arrays.equals(Tensors.shape(s.h()), expected)) {
      throw fail("expected initial hidden state of shape " + Tensors.describe(expected) + ", got "
          + Tensors.describe(s.h()));
    }
    boolean lstm = config.type().hasCellState();
    if (lstm && (s.c() == null || !Arrays.equals(Tensors.shape(s.c()), expected))) {
      throw fail("expected initial cell state of shape " + Tensors.describe(expected) + ", got "
          + (s.c() == null ? "none" : Tensors.describe(s.c())));
    }
    if (!lstm && s.c() != null) {
      throw fail(config.type() + " has no cell state, but an initial cell state was given");
    }
    return s;
  }

  private void checkLengths(long[] lengths, long batch, long time) {
    if (lengths.length != batch) {
      throw fail("expected " + batch + " sequence lengths (one per batch element), got " + lengths.length);
    }
    for (int i = 0; i < lengths.length; i++) {
      if (lengths[i] < 1 || lengths[i] > time) {
        throw fail("length " + lengths[i] + " of sequence " + i + " is outside [1, " + time + "]");
      }
    }
  }

  @Override
  public String typeName() {
    return switch (config.type()) {
      case LSTM -> "LSTM";
      case GRU -> "GRU";
      default -> "RNN";
    };
  }
}
