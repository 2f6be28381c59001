package io.nets4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import io.nets4j.tensor.Scope;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

/**
 * The round-robin measurement against ONNX Runtime on a one-node ONNX model written here byte by
 * byte (ONNX Runtime cannot build models and the tests may not need Python): {@code Relu} agrees
 * with libtorch's relu and disagrees with the identity.
 */
class OnnxRuntimeComparisonTest {
  @Test
  void measuresBothEnginesAndComparesTheirOutputs() throws Exception {
    byte[] model = reluModel(new long[] {2, 3, 8, 8});
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    BenchOptions o = BenchOptions.defaults("relu").withIterations(1, 10);
    try (OrtSession session = env.createSession(model, new OrtSession.SessionOptions()); Scope s = Scope.open()) {
      Tensor x = torch.randn(2, 3, 8, 8);
      OnnxRuntimeComparison.Measured same = OnnxRuntimeComparison.measure(o, env, session, torch::relu, x);
      assertEquals(10, same.nets4j().n());
      assertEquals(10, same.ort().n());
      assertEquals(0.0, same.maxAbsDiff(), "relu is exact in both engines");
      assertTrue(same.ortMaxAbs() > 0);
      OnnxRuntimeComparison.Measured other = OnnxRuntimeComparison.measure(o, env, session, t -> t.mul(torch.ones_like(t)), x);
      double largestNegative = -x.min().item_float();
      assertEquals(largestNegative, other.maxAbsDiff(), 1e-6, "the identity differs from relu by the largest negative input");
    }
  }

  /** An ONNX ModelProto (IR 7, opset 14) of {@code output = Relu(input)} for a float32 input of {@code shape}. */
  static byte[] reluModel(long[] shape) {
    ByteArrayOutputStream dims = new ByteArrayOutputStream();
    for (long d : shape) {
      field(dims, 1, varintField(1, d));
    }
    byte[] tensorType = concat(varintField(1, 1), message(2, dims.toByteArray()));
    byte[] type = message(1, tensorType);
    byte[] input = concat(message(1, "input".getBytes(StandardCharsets.UTF_8)), message(2, type));
    byte[] output = concat(message(1, "output".getBytes(StandardCharsets.UTF_8)), message(2, type));
    byte[] node = concat(message(1, "input".getBytes(StandardCharsets.UTF_8)),
        message(2, "output".getBytes(StandardCharsets.UTF_8)), message(4, "Relu".getBytes(StandardCharsets.UTF_8)));
    byte[] graph = concat(message(1, node), message(2, "g".getBytes(StandardCharsets.UTF_8)), message(11, input),
        message(12, output));
    byte[] opset = concat(message(1, new byte[0]), varintField(2, 14));
    return concat(varintField(1, 7), message(7, graph), message(8, opset));
  }

  private static byte[] varintField(int number, long value) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    varint(b, (long) number << 3);
    varint(b, value);
    return b.toByteArray();
  }

  private static byte[] message(int number, byte[] payload) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    field(b, number, payload);
    return b.toByteArray();
  }

  /** A length-delimited field (wire type 2). */
  private static void field(ByteArrayOutputStream b, int number, byte[] payload) {
    varint(b, ((long) number << 3) | 2);
    varint(b, payload.length);
    b.writeBytes(payload);
  }

  private static void varint(ByteArrayOutputStream b, long v) {
    while ((v & ~0x7FL) != 0) {
      b.write((int) ((v & 0x7F) | 0x80));
      v >>>= 7;
    }
    b.write((int) v);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      b.writeBytes(p);
    }
    return b.toByteArray();
  }
}
