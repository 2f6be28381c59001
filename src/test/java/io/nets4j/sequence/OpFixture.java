package io.nets4j.sequence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nets4j.io.LoadMode;
import io.nets4j.io.SafeTensors;
import io.nets4j.io.SafeTensorsFile;
import io.nets4j.io.StateDicts;
import io.nets4j.nn.Module;
import io.nets4j.parity.FillRule;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/** An operator fixture of {@code shared/fixtures/ops}: its state_dict keys, weights and tensors. */
final class OpFixture {
  static final Path OPS = Path.of("..", "shared", "fixtures", "ops");
  static final double TOLERANCE = 1e-9;
  /** The project's float32 bound, for the same computation in single precision. */
  static final double TOLERANCE_F32 = 2e-3;

  final String name;
  final String description;
  final Map<String, long[]> stateDict = new LinkedHashMap<>();
  private final SafeTensorsFile file;

  OpFixture(String name) {
    this.name = name;
    try {
      JsonNode root = new ObjectMapper().readTree(OPS.resolve(name + ".json").toFile());
      description = root.get("description").asText();
      for (JsonNode entry : root.get("state_dict")) {
        JsonNode dims = entry.get(1);
        long[] shape = new long[dims.size()];
        for (int i = 0; i < shape.length; i++) {
          shape[i] = dims.get(i).asLong();
        }
        stateDict.put(entry.get(0).asText(), shape);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    file = SafeTensors.read(OPS.resolve(name + ".safetensors"));
  }

  /**
   * Checks that {@code module} has the fixture's state_dict keys, in order, with the same shapes,
   * loads the fill-rule weights (float32 values) and converts the module to float64.
   */
  void load(Module module) {
    load(module, DType.FLOAT64);
  }

  /** As {@link #load(Module)}, converting the module to {@code dtype}. */
  void load(Module module, DType dtype) {
    Map<String, Tensor> own = module.stateDict();
    assertEquals(List.copyOf(stateDict.keySet()), List.copyOf(own.keySet()), name + ": state_dict keys");
    List<String> shapes = new ArrayList<>();
    Map<String, Tensor> weights = new LinkedHashMap<>();
    stateDict.forEach((key, shape) -> {
      shapes.add(key + " " + Tensors.describe(shape) + " vs " + Tensors.describe(own.get(key)));
      assertTrue(java.util.Arrays.equals(shape, Tensors.shape(own.get(key))), String.join("\n", shapes));
      weights.put(key, FillRule.tensor(key, shape));
    });
    module.to(DType.FLOAT32);
    StateDicts.load(module, weights, LoadMode.STRICT);
    module.to(dtype);
    module.eval();
  }

  long parameterCount() {
    return stateDict.values().stream().mapToLong(Tensors::numel).sum();
  }

  Tensor tensor(String key) {
    return file.tensor(key);
  }

  /** Asserts {@code actual} matches the stored {@code key} within 1e-9 * max(1, max|ref|); returns the error. */
  double assertClose(String key, Tensor actual) {
    return assertClose(key, actual, TOLERANCE);
  }

  double assertClose(String key, Tensor actual, double tolerance) {
    Tensor ref = tensor(key);
    assertEquals(Tensors.describe(ref), Tensors.describe(actual), name + "/" + key + ": shape");
    double err = Tensors.maxAbsDiff(actual, ref);
    double bound = tolerance * Math.max(1, Tensors.maxAbs(ref));
    assertTrue(err <= bound, name + "/" + key + ": max |error| " + err + " > " + bound);
    return err;
  }
}
