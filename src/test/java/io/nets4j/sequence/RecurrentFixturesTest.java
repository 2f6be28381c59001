package io.nets4j.sequence;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The reference fixtures of {@code nn.RNN}, {@code nn.LSTM} and {@code nn.GRU} (10 inputs, 16
 * hidden, 2 layers, bidirectional, batch-first), in both the fused and the explicit-cell form.
 */
class RecurrentFixturesTest {
  static Recurrent layer(String fixture) {
    CellType type = switch (fixture) {
      case "rnn_tanh" -> CellType.RNN_TANH;
      case "lstm" -> CellType.LSTM;
      default -> CellType.GRU;
    };
    return new Recurrent(RecurrentConfig.of(type, 10, 16).withLayers(2).withBidirectional(true).withBatchFirst(true));
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({"rnn_tanh, FUSED", "rnn_tanh, CELLS", "lstm, FUSED", "lstm, CELLS", "gru, FUSED", "gru, CELLS"})
  void matchesReference(String name, Recurrent.Implementation how) {
    try (Scope s = Scope.open()) {
      OpFixture f = new OpFixture(name);
      Recurrent rnn = layer(name).implementation(how);
      assertEquals(f.parameterCount(), rnn.parameterCount());
      f.load(rnn);
      RecurrentOutput out = rnn.forward(f.tensor("input"), null);
      double e1 = f.assertClose("output", out.output());
      double e2 = f.assertClose("h_n", out.hN());
      double e3 = name.equals("lstm") ? f.assertClose("c_n", out.cN()) : 0;
      System.out.printf("%s %s: max |error| output %.2e, h_n %.2e, c_n %.2e%n", name, how, e1, e2, e3);
    }
  }

  /** The same layers in float32 (fixture inputs rounded to float32), within the project's float32 bound. */
  @ParameterizedTest(name = "{0} {1} float32")
  @CsvSource({"rnn_tanh, FUSED", "lstm, FUSED", "lstm, CELLS", "gru, CELLS"})
  void matchesReferenceInFloat32(String name, Recurrent.Implementation how) {
    try (Scope s = Scope.open()) {
      OpFixture f = new OpFixture(name);
      Recurrent rnn = layer(name).implementation(how);
      f.load(rnn, DType.FLOAT32);
      RecurrentOutput out = rnn.forward(f.tensor("input").to(DType.FLOAT32.scalarType()), null);
      double e = f.assertClose("output", out.output(), OpFixture.TOLERANCE_F32);
      f.assertClose("h_n", out.hN(), OpFixture.TOLERANCE_F32);
      System.out.printf("%s %s float32: max |error| output %.2e%n", name, how, e);
    }
  }
}
