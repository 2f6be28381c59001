package io.nets4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.Module;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StateDictsTest {
  @TempDir
  Path dir;

  /** conv (weight, bias) then bn (weight, bias, running_mean, running_var, num_batches_tracked). */
  static final class Tiny extends Module {
    Tiny() {
      register("conv", new Conv2d(3, 4, ConvSpec.kernel(3)));
      register("bn", new BatchNorm2d(4));
    }
  }

  private static final List<String> KEYS = List.of("conv.weight", "conv.bias", "bn.weight", "bn.bias",
      "bn.running_mean", "bn.running_var", "bn.num_batches_tracked");

  /** A model whose every state tensor differs from a fresh one's. */
  private static Tiny trained() {
    Tiny m = new Tiny();
    try (NoGradGuard g = new NoGradGuard()) {
      for (Map.Entry<String, Tensor> e : m.stateDict().entrySet()) {
        Tensor t = e.getValue();
        if (t.is_floating_point()) {
          t.copy_(Tensors.fromFloats(randomFloats((int) t.numel(), e.getKey().hashCode()), Tensors.shape(t)));
        } else {
          t.fill_(new Scalar(7L));
        }
      }
    }
    return m;
  }

  private static float[] randomFloats(int n, long seed) {
    java.util.Random r = new java.util.Random(seed);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) r.nextGaussian();
    }
    return out;
  }

  private static Map<String, byte[]> bytes(Module m) {
    Map<String, byte[]> out = new LinkedHashMap<>();
    m.stateDict().forEach((k, t) -> out.put(k, Tensors.toBytes(t)));
    return out;
  }

  private static void assertSameState(Map<String, byte[]> expected, Module actual) {
    Map<String, byte[]> got = bytes(actual);
    assertEquals(List.copyOf(expected.keySet()), List.copyOf(got.keySet()));
    expected.forEach((k, v) -> assertArrayEquals(v, got.get(k), k));
  }

  /** The trained state with conv.weight of the wrong shape, bn.bias missing and an extra key. */
  private static Map<String, Tensor> damaged(Module source) {
    Map<String, Tensor> state = new LinkedHashMap<>(source.stateDict());
    state.put("conv.weight", Tensors.zeros(DType.FLOAT32, 4, 3, 5, 5));
    state.remove("bn.bias");
    state.put("head.weight", Tensors.zeros(DType.FLOAT32, 10, 4));
    return state;
  }

  @Test
  void saveThenLoadRestoresEveryTensorBitForBit() {
    Tiny source = trained();
    Path p = dir.resolve("tiny.safetensors");
    StateDicts.save(source, p);

    SafeTensorsFile file = SafeTensors.read(p);
    assertEquals(KEYS, file.entries().stream().map(SafeTensorsFile.Entry::name).toList());
    assertEquals(Map.of("format", "pt", "producer", "nets4j"), file.metadata());

    Tiny fresh = new Tiny();
    LoadReport report = StateDicts.load(fresh, p);
    assertTrue(report.isComplete());
    assertEquals(KEYS, report.loaded());
    assertEquals("tiny.safetensors: loaded 7 of 7 tensors", report.toString());
    assertSameState(bytes(source), fresh);
  }

  @Test
  void saveAddsExtraMetadata() {
    Path p = dir.resolve("tiny.safetensors");
    StateDicts.save(new Tiny(), p, Map.of("model", "tiny"));
    assertEquals(Map.of("format", "pt", "producer", "nets4j", "model", "tiny"), SafeTensors.read(p).metadata());
  }

  @Test
  void loadKeepsTheIdentityOfParametersAndBuffers() {
    Path p = dir.resolve("tiny.safetensors");
    StateDicts.save(trained(), p);
    Tiny fresh = new Tiny();
    Map<String, Tensor> before = fresh.stateDict();
    Map<String, Long> addresses = new LinkedHashMap<>();
    before.forEach((k, t) -> addresses.put(k, t.data_ptr().address()));

    StateDicts.load(fresh, p);
    System.gc();

    Map<String, Tensor> after = fresh.stateDict();
    for (String k : KEYS) {
      assertSame(before.get(k), after.get(k), k);
      assertEquals(addresses.get(k), after.get(k).data_ptr().address(), k);
    }
    assertTrue(after.get("conv.weight").requires_grad());
    assertSame(fresh.parameters().get(0), before.get("conv.weight"));
  }

  @Test
  void strictLoadReportsEveryProblemAtOnceAndLoadsNothing() {
    Tiny source = trained();
    Path p = dir.resolve("damaged.safetensors");
    SafeTensors.write(p, damaged(source), Map.of());
    Tiny fresh = new Tiny();
    Map<String, byte[]> freshState = bytes(fresh);

    StateDictException e = assertThrows(StateDictException.class, () -> StateDicts.load(fresh, p, LoadMode.STRICT));
    assertEquals("""
        damaged.safetensors: does not match Tiny (3 problems), nothing was loaded:
          'conv.weight': shape mismatch: expected F32 [4, 3, 3, 3], got F32 [4, 3, 5, 5]
          missing key 'bn.bias' (model has F32 [4])
          unexpected key 'head.weight' (F32 [10, 4])""", e.getMessage());
    assertEquals(List.of(), e.report().loaded());
    assertEquals(List.of("bn.bias"), e.report().missing());
    assertEquals(List.of("head.weight"), e.report().unexpected());
    assertEquals(List.of("conv.weight"), e.report().skipped().stream().map(LoadReport.Mismatch::key).toList());
    assertSameState(freshState, fresh);
  }

  @Test
  void lenientLoadLoadsWhatMatchesAndReportsTheRest() {
    Tiny source = trained();
    Tiny fresh = new Tiny();
    Map<String, byte[]> expected = bytes(source);
    Map<String, byte[]> freshState = bytes(fresh);
    expected.put("conv.weight", freshState.get("conv.weight"));
    expected.put("bn.bias", freshState.get("bn.bias"));

    LoadReport report = StateDicts.load(fresh, damaged(source), LoadMode.LENIENT);
    assertEquals(List.of("conv.bias", "bn.weight", "bn.running_mean", "bn.running_var", "bn.num_batches_tracked"),
        report.loaded());
    assertEquals(List.of("bn.bias"), report.missing());
    assertEquals(List.of("head.weight"), report.unexpected());
    assertEquals(List.of(new LoadReport.Mismatch("conv.weight",
        "shape mismatch: expected F32 [4, 3, 3, 3], got F32 [4, 3, 5, 5]")), report.skipped());
    assertEquals("""
        state_dict: loaded 5 of 7 tensors (1 missing, 1 unexpected, 1 skipped)
          missing: 'bn.bias'
          unexpected: 'head.weight'
          skipped 'conv.weight': shape mismatch: expected F32 [4, 3, 3, 3], got F32 [4, 3, 5, 5]""", report.toString());
    assertSameState(expected, fresh);
  }

  @Test
  void nonFiniteWeightsAreRefusedNamingTheFirstBadKeyAndNothingIsLoaded() {
    Tiny source = trained();
    Map<String, Tensor> state = new LinkedHashMap<>(source.stateDict());
    float[] w = Tensors.toFloatArray(state.get("conv.weight"));
    w[7] = Float.NaN;
    w[9] = Float.POSITIVE_INFINITY;
    state.put("conv.weight", Tensors.fromFloats(w, 4, 3, 3, 3));
    Path p = dir.resolve("nan.safetensors");
    SafeTensors.write(p, state, Map.of());
    Tiny target = new Tiny();
    Map<String, byte[]> before = bytes(target);
    for (LoadMode mode : LoadMode.values()) {
      StateDictException e = assertThrows(StateDictException.class, () -> StateDicts.load(target, p, mode));
      assertTrue(e.getMessage().startsWith("nan.safetensors: tensor 'conv.weight' (F32 [4, 3, 3, 3]) has 2 NaN or"
          + " infinite values, the first at flat index 7"), e.getMessage());
    }
    assertSameState(before, target);
  }

  @Test
  void floatingDtypeMismatchFailsUnlessConversionIsAllowed() {
    Tiny source = trained();
    Map<String, Tensor> state = new LinkedHashMap<>(source.stateDict());
    state.put("conv.weight", state.get("conv.weight").to(DType.FLOAT64.scalarType()));
    Path p = dir.resolve("f64.safetensors");
    SafeTensors.write(p, state, Map.of());

    StateDictException e = assertThrows(StateDictException.class, () -> StateDicts.load(new Tiny(), p));
    assertTrue(e.getMessage().contains("'conv.weight': dtype mismatch: expected F32 [4, 3, 3, 3], got F64 [4, 3, 3, 3]"
        + " (only the floating-point type differs: convert the file's tensors to F32 before loading"), e.getMessage());

    Tiny fresh = new Tiny();
    LoadReport report = StateDicts.load(fresh, p, LoadMode.STRICT, true);
    assertTrue(report.isComplete());
    assertEquals(DType.FLOAT32, Tensors.dtype(fresh.stateDict().get("conv.weight")));
    assertSameState(bytes(source), fresh);
  }

  @Test
  void integerDtypeMismatchIsNeverConverted() {
    Map<String, Tensor> state = new LinkedHashMap<>(trained().stateDict());
    state.put("bn.num_batches_tracked", Tensors.zeros(DType.INT32));
    LoadReport report = StateDicts.load(new Tiny(), state, LoadMode.LENIENT, true);
    assertEquals(List.of(new LoadReport.Mismatch("bn.num_batches_tracked", "dtype mismatch: expected I64 [], got I32 []")),
        report.skipped());
  }

  /** As PyTorch's _load_from_state_dict: a one-element vector loads into a 0-dim buffer; a longer one does not. */
  @Test
  void aOneElementVectorLoadsIntoAScalarBufferAsInPyTorch() {
    BatchNorm2d bn = new BatchNorm2d(2);
    Map<String, Tensor> sd = new LinkedHashMap<>(bn.stateDict());
    sd.put("num_batches_tracked", Tensors.fromLongs(new long[] {7}, 1));
    StateDicts.load(bn, sd, LoadMode.STRICT);
    assertEquals(0, bn.stateDict().get("num_batches_tracked").dim());
    assertEquals(7, bn.stateDict().get("num_batches_tracked").item_long());
    sd.put("num_batches_tracked", Tensors.fromLongs(new long[] {7, 8}, 2));
    StateDictException e = assertThrows(StateDictException.class, () -> StateDicts.load(bn, sd, LoadMode.STRICT));
    assertTrue(e.getMessage().contains("'num_batches_tracked': shape mismatch: expected I64 [], got I64 [2]"),
        e.getMessage());
  }
}
