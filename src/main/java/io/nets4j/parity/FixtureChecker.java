package io.nets4j.parity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nets4j.io.SafeTensors;
import io.nets4j.io.SafeTensorsFile;
import io.nets4j.nn.Layer;
import io.nets4j.nn.Module;
import io.nets4j.parity.FixtureResult.Status;
import io.nets4j.registry.ModelRegistry;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Checks that a nets4j model computes the same function as its reference: identical state_dict
 * (keys, shapes, dtypes, order), identical parameter count, and outputs equal to the reference's
 * within {@value #TOLERANCE_F64} (float64) and {@value #TOLERANCE_F32} (float32), relative to
 * {@code max(1, max|ref|)}, for the weights of the {@link FillRule}.
 *
 * <p>The fixture's model is looked up in the {@link ModelRegistry} and built with its task's
 * defaults; classifiers return their logits, segmentation models their {@code out} map.
 */
public final class FixtureChecker {
  public static final double TOLERANCE_F64 = 1e-7;
  public static final double TOLERANCE_F32 = 2e-3;
  private static final int MAX_LISTED = 8;

  private FixtureChecker() {}

  /** The model fixtures ({@code *.json} with a {@code model} key) directly in {@code dir}, sorted. */
  public static List<Path> modelFixtures(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".json"))
          .filter(ModelFixture::isModelFixture).sorted().toList();
    }
  }

  /**
   * Operator fixtures ({@code *.json} with a {@code case} key) that have a whole-model checker,
   * directly in {@code dir}, sorted. Currently {@code fasterrcnn_resnet50_fpn}.
   */
  public static List<Path> caseFixtures(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".json"))
          .filter(p -> CASE_CHECKERS.containsKey(caseName(p))).sorted().toList();
    }
  }

  private static final Map<String, Function<Path, FixtureResult>> CASE_CHECKERS =
      Map.of(FasterRCNNFixture.CASE, FasterRCNNFixture::check);

  private static String caseName(Path json) {
    try {
      JsonNode root = new ObjectMapper().readTree(json.toFile());
      return root != null && root.has("case") ? root.get("case").asText() : "";
    } catch (IOException e) {
      return "";
    }
  }

  public static FixtureResult check(Path json) {
    var caseChecker = CASE_CHECKERS.get(caseName(json));
    if (caseChecker != null) {
      return caseChecker.apply(json);
    }
    ModelFixture fixture;
    try {
      fixture = ModelFixture.read(json);
    } catch (RuntimeException e) {
      return new FixtureResult(json.getFileName().toString(), Status.FAIL, Double.NaN, Double.NaN, e.getMessage());
    }
    if (!isRegistered(fixture.model())) {
      return new FixtureResult(fixture.name(), Status.UNSUPPORTED, Double.NaN, Double.NaN,
          "no model '" + fixture.model() + "' in the registry");
    }
    try (Scope scope = Scope.open()) {
      Module model = ModelRegistry.create(fixture.model());
      if (!(model instanceof Layer layer)) {
        return new FixtureResult(fixture.name(), Status.UNSUPPORTED, Double.NaN, Double.NaN, "'" + fixture.model()
            + "' is a " + ModelRegistry.info(fixture.model()).task() + " model, whose output is not one tensor");
      }
      return check(fixture, layer);
    } catch (RuntimeException e) {
      return new FixtureResult(fixture.name(), Status.FAIL, Double.NaN, Double.NaN,
          e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  /** Whether {@code model} is a registered name of any task. */
  public static boolean isRegistered(String model) {
    return ModelRegistry.contains(model);
  }

  /** Checks {@code model} (freshly built, any weights) against {@code fixture}. */
  public static FixtureResult check(ModelFixture fixture, Layer model) {
    List<String> layoutProblems = compareLayout(fixture, model.stateDict());
    if (!layoutProblems.isEmpty()) {
      return fail(fixture, Double.NaN, Double.NaN, "state_dict differs: " + String.join("; ", layoutProblems));
    }
    long params = model.parameterCount();
    if (params != fixture.numParams()) {
      return fail(fixture, Double.NaN, Double.NaN,
          "parameter count " + params + " != reference " + fixture.numParams());
    }
    SafeTensorsFile outputs = SafeTensors.read(fixture.outputs());
    fill(model, outputs);
    model.eval();
    Tensor input = FillRule.input(fixture.inputShape());
    Tensor reference32 = outputs.tensor("output");
    double err32 = error(model, input, reference32, fixture);
    boolean has64 = outputs.entries().stream().anyMatch(e -> e.name().equals("output_f64"));
    double err64 = Double.NaN;
    boolean pass64 = true;
    if (has64) {
      model.to(DType.FLOAT64);
      Tensor reference64 = outputs.tensor("output_f64");
      err64 = error(model, input.to(DType.FLOAT64.scalarType()), reference64, fixture);
      pass64 = err64 <= TOLERANCE_F64 * Math.max(1, Tensors.maxAbs(reference64));
    }
    boolean pass32 = err32 <= TOLERANCE_F32 * Math.max(1, Tensors.maxAbs(reference32));
    String detail = params + " params" + (has64 ? "" : ", no float64 reference");
    if (pass32 && pass64) {
      return new FixtureResult(fixture.name(), Status.PASS, err64, err32, detail);
    }
    return fail(fixture, err64, err32, (pass64 ? "" : "float64 ") + (pass32 ? "" : "float32 ")
        + "output outside tolerance; " + detail);
  }

  private static FixtureResult fail(ModelFixture f, double e64, double e32, String why) {
    return new FixtureResult(f.name(), Status.FAIL, e64, e32, why);
  }

  private static double error(Layer model, Tensor input, Tensor reference, ModelFixture fixture) {
    try (NoGradGuard g = new NoGradGuard()) {
      Tensor y = model.forward(input);
      if (!Arrays.equals(Tensors.shape(y), fixture.outputShape())) {
        throw new IllegalStateException("output shape " + Tensors.describe(y) + " != reference "
            + Tensors.describe(fixture.outputShape()));
      }
      return Tensors.maxAbsDiff(y, reference);
    }
  }

  /** Differences between the model's state_dict layout and the reference's, at most a few listed. */
  static List<String> compareLayout(ModelFixture fixture, Map<String, Tensor> state) {
    List<String> problems = new ArrayList<>();
    Iterator<Map.Entry<String, Tensor>> actual = state.entrySet().iterator();
    for (ModelFixture.StateEntry ref : fixture.stateDict()) {
      if (!actual.hasNext()) {
        problems.add("missing '" + ref.key() + "' (and " + (fixture.stateDict().size() - state.size())
            + " entries in all)");
        break;
      }
      Map.Entry<String, Tensor> e = actual.next();
      String dtype = Tensors.dtype(e.getValue()).torchName();
      long[] shape = Tensors.shape(e.getValue());
      if (!e.getKey().equals(ref.key())) {
        problems.add("entry " + problems.size() + ": '" + e.getKey() + "' where the reference has '" + ref.key() + "'");
        break;
      } else if (!Arrays.equals(shape, ref.shape()) || !dtype.equals(ref.dtype())) {
        problems.add("'" + ref.key() + "' is " + dtype + " " + Tensors.describe(shape) + ", reference "
            + ref.dtype() + " " + Tensors.describe(ref.shape()));
      }
      if (problems.size() >= MAX_LISTED) {
        break;
      }
    }
    if (problems.isEmpty() && actual.hasNext()) {
      problems.add("unexpected '" + actual.next().getKey() + "' (" + (state.size() - fixture.stateDict().size())
          + " extra entries)");
    }
    return problems;
  }

  /** Fills every floating-point entry by the fill rule, then the calibrated BatchNorm statistics. */
  public static void fill(Module model, SafeTensorsFile outputs) {
    Map<String, Tensor> state = model.stateDict();
    try (NoGradGuard g = new NoGradGuard()) {
      for (Map.Entry<String, Tensor> e : state.entrySet()) {
        if (e.getValue().is_floating_point()) {
          e.getValue().copy_(FillRule.tensor(e.getKey(), Tensors.shape(e.getValue())));
        }
      }
      for (var entry : outputs.entries()) {
        String key = entry.name();
        if (key.equals("output") || key.equals("output_f64")) {
          continue;
        }
        Tensor target = state.get(key);
        if (target == null) {
          throw new IllegalStateException("calibrated buffer '" + key + "' has no counterpart in the model");
        }
        target.copy_(outputs.tensor(key));
      }
    }
  }
}
