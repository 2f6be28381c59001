package io.nets4j.sequence;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.nn.LayerException;
import io.nets4j.tensor.Autocast;
import io.nets4j.tensor.CpuCapabilities;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class RecurrentTest {
  static final double EXACT = 1e-12;

  static Tensor randn(long... shape) {
    return Tensors.zeros(DType.FLOAT64, shape).normal_();
  }

  static Recurrent layer(RecurrentConfig config) {
    Recurrent r = new Recurrent(config);
    r.to(DType.FLOAT64);
    r.eval();
    return r;
  }

  /** Counts of torch.nn: sum(p.numel() for p in m.parameters()). */
  @ParameterizedTest
  @CsvSource({"LSTM, 10, 20, 2, false, 5920", "GRU, 10, 20, 1, false, 1920", "RNN_TANH, 10, 20, 2, true, 3760",
      "LSTM, 512, 512, 4, true, 23101440"})
  void parameterCountMatchesPyTorch(CellType type, int in, int hidden, int layers, boolean bi, long expected) {
    long n = Tensors.onDevice("meta", () -> new Recurrent(RecurrentConfig.of(type, in, hidden).withLayers(layers)
        .withBidirectional(bi)).parameterCount());
    assertEquals(expected, n);
  }

  @Test
  void stateDictNamesAndOrderFollowPyTorch() {
    Recurrent r = Tensors.onDevice("meta", () -> new Recurrent(RecurrentConfig.gru(3, 4).withLayers(2)
        .withBidirectional(true).withBias(false)));
    assertEquals(List.of("weight_ih_l0", "weight_hh_l0", "weight_ih_l0_reverse", "weight_hh_l0_reverse",
        "weight_ih_l1", "weight_hh_l1", "weight_ih_l1_reverse", "weight_hh_l1_reverse"), List.copyOf(r.stateDict().keySet()));
    assertArrayEquals(new long[] {12, 8}, Tensors.shape(r.stateDict().get("weight_ih_l1")));
    LSTMCell cell = Tensors.onDevice("meta", () -> new LSTMCell(3, 4));
    Map<String, Tensor> sd = cell.stateDict();
    assertEquals(List.of("weight_ih", "weight_hh", "bias_ih", "bias_hh"), List.copyOf(sd.keySet()));
    assertArrayEquals(new long[] {16, 3}, Tensors.shape(sd.get("weight_ih")));
  }

  /**
   * The outputs and states leave the scope that computed them intact, in every implementation and
   * with padding (libtorch returns them inside tuples and a packed sequence, which the scope frees).
   */
  @ParameterizedTest
  @EnumSource(CellType.class)
  void resultsOutliveTheScopeThatComputedThem(CellType type) {
    try (Scope outer = Scope.open()) {
      torch.manual_seed(11);
      Recurrent rnn = layer(RecurrentConfig.of(type, 3, 4).withBidirectional(true).withBatchFirst(true));
      Tensor x = randn(2, 5, 3);
      for (long[] lengths : new long[][] {null, {5, 2}}) {
        for (Recurrent.Implementation how : Recurrent.Implementation.values()) {
          rnn.implementation(how);
          RecurrentOutput kept;
          float[] expectedOutput;
          float[] expectedH;
          try (Scope inner = Scope.open()) {
            RecurrentOutput out = rnn.forward(x, null, lengths);
            expectedOutput = Tensors.toFloatArray(out.output());
            expectedH = Tensors.toFloatArray(out.hN());
            kept = new RecurrentOutput(inner.keep(out.output()), new RecurrentState(inner.keep(out.hN()),
                out.cN() == null ? null : inner.keep(out.cN())));
          }
          for (int i = 0; i < 50; i++) {
            Tensors.full(DType.FLOAT32, -1, 2, 5, 8);
          }
          String where = how + " lengths " + java.util.Arrays.toString(lengths);
          assertArrayEquals(expectedOutput, Tensors.toFloatArray(kept.output()), where);
          assertArrayEquals(expectedH, Tensors.toFloatArray(kept.hN()), where);
        }
      }
    }
  }

  /**
   * With padded sequences, each sequence's outputs and final state are those of the sequence run
   * alone (what pack_padded_sequence means), in both implementations, both layouts.
   */
  @ParameterizedTest(name = "{0} batchFirst={1}")
  @CsvSource({"LSTM, true", "LSTM, false", "GRU, true", "GRU, false", "RNN_TANH, true", "RNN_RELU, false"})
  void paddedSequencesBehaveAsIfRunAlone(CellType type, boolean batchFirst) {
    try (Scope s = Scope.open()) {
      torch.manual_seed(7);
      Recurrent rnn = layer(RecurrentConfig.of(type, 5, 6).withLayers(2).withBidirectional(true).withBatchFirst(batchFirst));
      long[] lengths = {3, 7, 1, 5};
      int time = 7;
      Tensor x = randn(4, time, 5);
      Tensor input = batchFirst ? x : x.transpose(0, 1);
      for (Recurrent.Implementation how : Recurrent.Implementation.values()) {
        rnn.implementation(how);
        RecurrentOutput out = rnn.forward(input, null, lengths);
        Tensor output = batchFirst ? out.output() : out.output().transpose(0, 1);
        assertArrayEquals(new long[] {4, time, 12}, Tensors.shape(output));
        rnn.implementation(Recurrent.Implementation.FUSED);
        for (int b = 0; b < 4; b++) {
          int len = (int) lengths[b];
          Tensor alone = x.narrow(0, b, 1).narrow(1, 0, len);
          RecurrentOutput ref = rnn.forward(batchFirst ? alone : alone.transpose(0, 1), null);
          Tensor refOut = batchFirst ? ref.output() : ref.output().transpose(0, 1);
          assertTrue(Tensors.maxAbsDiff(output.narrow(0, b, 1).narrow(1, 0, len), refOut) < EXACT, how + " output of " + b);
          if (len < time) {
            assertEquals(0.0, Tensors.maxAbs(output.narrow(0, b, 1).narrow(1, len, time - len)), how + " padding of " + b);
          }
          assertTrue(Tensors.maxAbsDiff(out.hN().narrow(1, b, 1), ref.hN()) < EXACT, how + " h_n of " + b);
          if (type == CellType.LSTM) {
            assertTrue(Tensors.maxAbsDiff(out.cN().narrow(1, b, 1), ref.cN()) < EXACT, how + " c_n of " + b);
          }
        }
        rnn.implementation(how);
      }
    }
  }

  /** The explicit cells and the fused kernel agree on values and on gradients, with an initial state. */
  @ParameterizedTest
  @EnumSource(CellType.class)
  void explicitCellsAndFusedKernelAgreeIncludingGradients(CellType type) {
    try (Scope s = Scope.open()) {
      torch.manual_seed(3);
      Recurrent rnn = layer(RecurrentConfig.of(type, 4, 5).withLayers(3).withBidirectional(true));
      Tensor x = randn(6, 2, 4);
      Tensor h0 = randn(6, 2, 5);
      RecurrentState init = new RecurrentState(h0, type.hasCellState() ? randn(6, 2, 5) : null);
      long[] lengths = {6, 4};
      double[][] grads = new double[2][];
      RecurrentOutput[] outs = new RecurrentOutput[2];
      for (Recurrent.Implementation how : Recurrent.Implementation.values()) {
        rnn.zeroGrad();
        rnn.implementation(how);
        RecurrentOutput out = rnn.forward(x, init, lengths);
        Tensor loss = out.output().pow(new org.bytedeco.pytorch.Scalar(2)).sum().add(out.hN().sum());
        loss.backward();
        grads[how.ordinal()] = Tensors.toDoubleArray(rnn.stateDict().get("weight_hh_l0_reverse").grad());
        outs[how.ordinal()] = out;
      }
      assertTrue(Tensors.maxAbsDiff(outs[0].output(), outs[1].output()) < EXACT);
      assertTrue(Tensors.maxAbsDiff(outs[0].hN(), outs[1].hN()) < EXACT);
      assertArrayEquals(grads[0], grads[1], 1e-10);
      assertTrue(Tensors.maxAbs(Tensors.fromDoubles(grads[0], grads[0].length)) > 0);
    }
  }

  /** Each explicit cell equals libtorch's own cell kernel on the same weights. */
  @ParameterizedTest
  @EnumSource(CellType.class)
  void cellEquationsMatchLibtorchCells(CellType type) {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      torch.manual_seed(5);
      RecurrentCell cell = switch (type) {
        case LSTM -> new LSTMCell(3, 4);
        case GRU -> new GRUCell(3, 4);
        case RNN_TANH -> new RNNCell(3, 4);
        case RNN_RELU -> new RNNCell(3, 4, true, true);
      };
      cell.to(DType.FLOAT64);
      Tensor x = randn(2, 3);
      RecurrentState st = new RecurrentState(randn(2, 4), type.hasCellState() ? randn(2, 4) : null);
      Map<String, Tensor> w = cell.stateDict();
      TensorOptional bih = new TensorOptional(w.get("bias_ih"));
      TensorOptional bhh = new TensorOptional(w.get("bias_hh"));
      RecurrentState mine = cell.step(x, st);
      Tensor h;
      Tensor c = null;
      switch (type) {
        case LSTM -> {
          Tensor[] r = Tensors.owned(
              torch.lstm_cell(x, new TensorVector(st.h(), st.c()), w.get("weight_ih"), w.get("weight_hh"), bih, bhh));
          h = r[0];
          c = r[1];
        }
        case GRU -> h = torch.gru_cell(x, st.h(), w.get("weight_ih"), w.get("weight_hh"), bih, bhh);
        case RNN_TANH -> h = torch.rnn_tanh_cell(x, st.h(), w.get("weight_ih"), w.get("weight_hh"), bih, bhh);
        default -> h = torch.rnn_relu_cell(x, st.h(), w.get("weight_ih"), w.get("weight_hh"), bih, bhh);
      }
      assertTrue(Tensors.maxAbsDiff(mine.h(), h) < EXACT);
      if (c != null) {
        assertTrue(Tensors.maxAbsDiff(mine.c(), c) < EXACT);
      }
    }
  }

  /** Stepping a layer one step at a time, carrying its state, equals running the whole sequence. */
  @Test
  void stepwiseWithStateEqualsWholeSequence() {
    try (Scope s = Scope.open()) {
      torch.manual_seed(11);
      Recurrent lstm = layer(RecurrentConfig.lstm(3, 4).withLayers(2).withBatchFirst(true));
      Tensor x = randn(2, 5, 3);
      RecurrentOutput whole = lstm.forward(x, null);
      RecurrentState state = null;
      for (int t = 0; t < 5; t++) {
        RecurrentOutput step = lstm.forward(x.narrow(1, t, 1), state);
        assertTrue(Tensors.maxAbsDiff(step.output(), whole.output().narrow(1, t, 1)) < EXACT);
        state = step.state();
      }
      assertTrue(Tensors.maxAbsDiff(state.h(), whole.hN()) < EXACT);
      assertTrue(Tensors.maxAbsDiff(state.c(), whole.cN()) < EXACT);
    }
  }

  /** A one-layer layer and a cell with the same weights compute the same steps. */
  @Test
  void cellStepsEqualOneLayer() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      torch.manual_seed(13);
      Recurrent gru = layer(RecurrentConfig.gru(3, 4));
      GRUCell cell = new GRUCell(3, 4);
      cell.to(DType.FLOAT64);
      Map<String, Tensor> from = gru.stateDict();
      cell.stateDict().forEach((k, v) -> v.copy_(from.get(k + "_l0")));
      Tensor x = randn(5, 2, 3);
      RecurrentOutput whole = gru.forward(x, null);
      RecurrentState st = null;
      for (int t = 0; t < 5; t++) {
        st = cell.step(x.select(0, t), st);
        assertTrue(Tensors.maxAbsDiff(st.h(), whole.output().select(0, t)) < EXACT);
      }
      assertEquals(null, st.c());
    }
  }

  @Test
  void dropoutBetweenLayersOnlyInTraining() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      torch.manual_seed(17);
      Recurrent rnn = layer(RecurrentConfig.lstm(3, 8).withLayers(2).withDropout(0.5));
      Tensor x = randn(4, 2, 3);
      for (Recurrent.Implementation how : Recurrent.Implementation.values()) {
        rnn.implementation(how).eval();
        Tensor a = rnn.forward(x);
        assertEquals(0.0, Tensors.maxAbsDiff(a, rnn.forward(x)));
        rnn.train();
        assertNotEquals(0.0, Tensors.maxAbsDiff(a, rnn.forward(x)), how.toString());
      }
    }
  }

  @Test
  void badInputsGiveClearErrors() {
    try (Scope s = Scope.open()) {
      Recurrent lstm = new Recurrent(RecurrentConfig.lstm(10, 16).withBatchFirst(true));
      LayerException e = assertThrows(LayerException.class, () -> lstm.forward(Tensors.zeros(DType.FLOAT32, 2, 7, 9)));
      assertTrue(e.getMessage().contains("LSTM") && e.getMessage().contains("[batch, time, 10]")
          && e.getMessage().contains("[2, 7, 9]"), e.getMessage());
      Tensor x = Tensors.zeros(DType.FLOAT32, 2, 7, 10);
      e = assertThrows(LayerException.class, () -> lstm.forward(x, null, new long[] {7, 8}));
      assertTrue(e.getMessage().contains("length 8 of sequence 1 is outside [1, 7]"), e.getMessage());
      e = assertThrows(LayerException.class, () -> lstm.forward(x, null, new long[] {7}));
      assertTrue(e.getMessage().contains("expected 2 sequence lengths"), e.getMessage());
      e = assertThrows(LayerException.class,
          () -> lstm.forward(x, RecurrentState.of(Tensors.zeros(DType.FLOAT32, 1, 2, 16))));
      assertTrue(e.getMessage().contains("expected initial cell state of shape [1, 2, 16], got none"), e.getMessage());
      e = assertThrows(LayerException.class, () -> new GRUCell(3, 4).step(Tensors.zeros(DType.FLOAT32, 2, 5), null));
      assertTrue(e.getMessage().contains("expected input of shape [batch, 3], got [2, 5]"), e.getMessage());
    }
  }

  /**
   * Where the CPU has no bfloat16 recurrent kernels (forced here as on an AVX2-only CPU), the fused
   * kernels run in float32: under autocast the result is the float32 one exactly, a bfloat16 input gets
   * a bfloat16 result, and gradients reach the weights.
   */
  @ParameterizedTest
  @EnumSource(CellType.class)
  void withoutBfloat16RecurrentKernelsTheFusedKernelsRunInFloat32(CellType type) {
    try (Scope s = Scope.open()) {
      Recurrent layer = new Recurrent(new RecurrentConfig(type, 3, 5, 2, true, true, 0.0, false));
      Tensor x = Tensors.zeros(DType.FLOAT32, 2, 4, 3).normal_();
      Tensor expected = layer.forward(x, null).output();
      try (CpuCapabilities.Restorer r = CpuCapabilities.override(
          CpuCapabilities.assuming(EnumSet.of(CpuCapabilities.Feature.AVX2)))) {
        try (Autocast a = Autocast.bfloat16()) {
          Tensor y = layer.forward(x, null).output();
          assertEquals(DType.FLOAT32, Tensors.dtype(y));
          assertEquals(0, Tensors.maxAbsDiff(expected, y));
          y.sum().backward();
        }
        assertTrue(Tensors.maxAbs(layer.namedParameters().get("weight_ih_l0").grad()) > 0, "gradient reaches the weights");
        Tensor bf16 = layer.forward(x.to(DType.BFLOAT16.scalarType()), null).output();
        assertEquals(DType.BFLOAT16, Tensors.dtype(bf16));
        assertTrue(Tensors.maxAbsDiff(expected, bf16.to(DType.FLOAT32.scalarType())) < 0.05);
      }
    }
  }

  /** On this machine's CPU: bfloat16 under autocast where it has the kernels, float32 where it has not. */
  @Test
  void underAutocastTheLstmComputesInTheTypeThisCpuSupports() {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard(); Autocast a = Autocast.bfloat16()) {
      Recurrent layer = new Recurrent(RecurrentConfig.lstm(3, 5).withBatchFirst(true));
      Tensor y = layer.forward(Tensors.zeros(DType.FLOAT32, 2, 4, 3).normal_(), null).output();
      assertEquals(CpuCapabilities.current().bf16Recurrent().supported() ? DType.BFLOAT16 : DType.FLOAT32,
          Tensors.dtype(y));
    }
  }
}
