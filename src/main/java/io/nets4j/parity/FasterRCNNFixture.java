package io.nets4j.parity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nets4j.detection.Detections;
import io.nets4j.detection.FasterRCNN;
import io.nets4j.detection.RoIHeads;
import io.nets4j.detection.GeneralizedRCNNTransform;
import io.nets4j.detection.RegionProposalNetwork;
import io.nets4j.io.SafeTensors;
import io.nets4j.io.SafeTensorsFile;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * The {@code fasterrcnn_resnet50_fpn} operator fixture (shared/fixtures/ops): builds the model with
 * the fixture's weights and compares every stored stage (layout, resized batch, FPN levels, anchors,
 * RPN head, proposals, box head on fixed proposals, full detections) with torchvision's.
 */
public final class FasterRCNNFixture {
  /** The fixture's {@code case} name. */
  public static final String CASE = "fasterrcnn_resnet50_fpn";
  /** Bound for intermediate tensors, relative to {@code max(1, max|ref|)}. */
  public static final double TOLERANCE = 1e-9;
  /** Bound for detection boxes and scores. */
  public static final double DETECTION_TOLERANCE = 1e-6;

  /**
   * One compared stage.
   *
   * @param error max |y - ref| over the stage's tensors (0 for exact integer comparisons)
   * @param detail what differed, empty when it passes
   */
  public record Stage(String name, boolean pass, double error, String detail) {
  }

  private final JsonNode json;
  private final SafeTensorsFile file;

  public FasterRCNNFixture(Path jsonPath) {
    try {
      json = new ObjectMapper().readTree(jsonPath.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (!CASE.equals(json.path("case").asText())) {
      throw new IllegalArgumentException(jsonPath + " is not a " + CASE + " fixture");
    }
    String name = jsonPath.getFileName().toString().replaceFirst("\\.json$", "");
    file = SafeTensors.read(jsonPath.resolveSibling(name + ".safetensors"));
  }

  /** Checks the fixture at {@code json}: PASS when every stage passes. */
  public static FixtureResult check(Path json) {
    try (Scope scope = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      FasterRCNNFixture f = new FasterRCNNFixture(json);
      List<Stage> stages = f.stages(f.model());
      double max = stages.stream().mapToDouble(Stage::error).max().orElse(Double.NaN);
      List<String> failed = stages.stream().filter(s -> !s.pass()).map(s -> s.name() + ": " + s.detail()).toList();
      return new FixtureResult(CASE, failed.isEmpty() ? FixtureResult.Status.PASS : FixtureResult.Status.FAIL, max,
          Double.NaN, failed.isEmpty() ? "stages match: " + summary(stages) : String.join("; ", failed));
    } catch (RuntimeException e) {
      return new FixtureResult(CASE, FixtureResult.Status.FAIL, Double.NaN, Double.NaN,
          e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  private static String summary(List<Stage> stages) {
    return String.join(", ", stages.stream()
        .map(s -> String.format(java.util.Locale.ROOT, "%s %.1e", s.name(), s.error())).toList());
  }

  /** The model configured as the fixture ({@code min_size}, {@code max_size}, score threshold 0). */
  public FasterRCNN.Config config() {
    return FasterRCNN.Config.COCO.withSizes(json.get("min_size").asInt(), json.get("max_size").asInt())
        .withBoxes(new RoIHeads.Config(0.0, 0.5, 100));
  }

  /** The model in float64 eval mode with the fill-rule weights and the stored BatchNorm statistics. */
  public FasterRCNN model() {
    FasterRCNN model = FasterRCNN.resnet50Fpn(config());
    model.to(DType.FLOAT64);
    model.eval();
    Map<String, Tensor> state = model.stateDict();
    try (NoGradGuard g = new NoGradGuard()) {
      for (Map.Entry<String, Tensor> e : state.entrySet()) {
        if (e.getValue().is_floating_point()) {
          e.getValue().copy_(FillRule.tensor(e.getKey(), Tensors.shape(e.getValue())));
        }
      }
      for (Iterator<String> it = json.get("tensors").fieldNames(); it.hasNext(); ) {
        String key = it.next();
        if (key.startsWith("backbone.")) {
          Tensor target = state.get(key);
          if (target == null) {
            throw new IllegalStateException("fixture buffer '" + key + "' has no counterpart in the model");
          }
          target.copy_(file.tensor(key));
        }
      }
    }
    return model;
  }

  public long[][] imageSizes() {
    JsonNode s = json.get("image_sizes");
    long[][] out = new long[s.size()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = new long[] {s.get(i).get(0).asLong(), s.get(i).get(1).asLong()};
    }
    return out;
  }

  public Tensor tensor(String key) {
    return file.tensor(key);
  }

  /** Runs and compares every stage, in pipeline order. */
  public List<Stage> stages(FasterRCNN model) {
    List<Stage> out = new ArrayList<>();
    out.add(layout(model));
    Tensor batch = tensor("batched_input");
    List<Tensor> images = List.of(tensor("image0"), tensor("image1"));
    GeneralizedRCNNTransform.ImageBatch b = model.transform().apply(images);
    boolean sizes = Arrays.deepEquals(b.imageSizes(), imageSizes());
    out.add(compare("transform", TOLERANCE, sizes ? "" : "image sizes " + Arrays.deepToString(b.imageSizes()),
        "batched_input", b.tensors()));
    List<Tensor> features = model.features(batch);
    out.add(compare("fpn", TOLERANCE, "", "fpn_3", features.get(3), "fpn_pool", features.get(4)));
    Tensor anchors = model.rpn().anchors(batch, features);
    out.add(compare("anchors", TOLERANCE, "", "anchors0", anchors, "anchors1", anchors));
    RegionProposalNetwork.HeadOutput head = model.rpn().head().forward(features);
    List<Object> rpn = new ArrayList<>();
    for (int l = 1; l <= 4; l++) {
      rpn.addAll(List.of("rpn_objectness_level" + l, head.objectness().get(l),
          "rpn_bbox_deltas_level" + l, head.deltas().get(l)));
    }
    out.add(compare("rpn_head", TOLERANCE, "", rpn.toArray()));
    RegionProposalNetwork.Proposals p = model.rpn().forward(batch, features, imageSizes());
    out.add(compare("proposals", TOLERANCE, "", "proposals0", p.boxes().get(0), "proposals1", p.boxes().get(1)));
    List<Detections> fixed = model.roiHeads().forward(FasterRCNN.poolingLevels(features),
        List.of(tensor("fixed_proposals0"), tensor("fixed_proposals1")), imageSizes());
    out.add(detections("roi_heads", fixed));
    out.add(detections("detections", model.detect(images)));
    return out;
  }

  private Stage layout(FasterRCNN model) {
    List<String> expected = new ArrayList<>();
    for (JsonNode e : json.get("state_dict")) {
      expected.add(e.get(0).asText() + " " + e.get(1).toString() + " " + e.get(2).asText());
    }
    List<String> actual = new ArrayList<>();
    model.stateDict().forEach((k, t) -> actual.add(k + " " + Arrays.toString(Tensors.shape(t)).replace(" ", "")
        + " " + Tensors.dtype(t).torchName()));
    long params = model.parameterCount();
    long expectedParams = json.get("num_params").asLong();
    String detail = "";
    if (!expected.equals(actual)) {
      detail = "state_dict differs (" + actual.size() + " vs " + expected.size() + " entries)";
    } else if (params != expectedParams) {
      detail = params + " parameters vs " + expectedParams;
    }
    return new Stage("state_dict", detail.isEmpty(), 0, detail);
  }

  /** Compares (key, tensor) pairs within {@code tol * max(1, max|ref|)}. */
  private Stage compare(String name, double tol, String problem, Object... pairs) {
    double worst = 0;
    StringBuilder detail = new StringBuilder(problem);
    for (int i = 0; i < pairs.length; i += 2) {
      String key = (String) pairs[i];
      Tensor actual = (Tensor) pairs[i + 1];
      Tensor ref = tensor(key);
      if (!Tensors.describe(ref).equals(Tensors.describe(actual))) {
        detail.append(detail.length() > 0 ? ", " : "").append(key).append(" shape ").append(Tensors.describe(actual))
            .append(" vs ").append(Tensors.describe(ref));
        continue;
      }
      double err = Tensors.maxAbsDiff(actual, ref);
      worst = Math.max(worst, err);
      double bound = tol * Math.max(1, Tensors.maxAbs(ref));
      if (!(err <= bound)) {
        detail.append(detail.length() > 0 ? ", " : "").append(key).append(" error ").append(err)
            .append(" > ").append(bound);
      }
    }
    return new Stage(name, detail.length() == 0, worst, detail.toString());
  }

  private Stage detections(String prefix, List<Detections> d) {
    List<Object> pairs = new ArrayList<>();
    StringBuilder labels = new StringBuilder();
    for (int i = 0; i < d.size(); i++) {
      pairs.addAll(List.of(prefix + i + "_boxes", d.get(i).boxes(), prefix + i + "_scores", d.get(i).scores()));
      if (!Arrays.equals(Tensors.toLongArray(tensor(prefix + i + "_labels")), Tensors.toLongArray(d.get(i).labels()))) {
        labels.append(prefix).append(i).append("_labels differ");
      }
    }
    return compare(prefix, DETECTION_TOLERANCE, labels.toString(), pairs.toArray());
  }
}
