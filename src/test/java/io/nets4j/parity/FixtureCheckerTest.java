package io.nets4j.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.io.SafeTensors;
import io.nets4j.models.ImageClassifier;
import io.nets4j.models.ModelOptions;
import io.nets4j.models.ResNet;
import io.nets4j.parity.FixtureResult.Status;
import io.nets4j.tensor.Scope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checker must catch a model that is not the reference model, however close. */
class FixtureCheckerTest {
  private static final Path TORCHVISION = ModelFixturesTest.FIXTURES.resolve("torchvision");

  @TempDir
  Path tmp;

  @Test
  void wrongArchitectureFailsOnLayout() {
    ImageClassifier resnet34 = new ResNet(
        new ResNet.Config(ResNet.Block.BASIC, new int[] {3, 4, 6, 3}, 1, 64), ModelOptions.defaults());
    FixtureResult r = FixtureChecker.check(ModelFixture.read(TORCHVISION.resolve("resnet18.json")), resnet34);
    assertEquals(Status.FAIL, r.status());
    assertTrue(r.detail().contains("state_dict differs"), r.detail());
  }

  /** A reference output moved by 1e-6 (above the float64 tolerance) must make the check fail. */
  @Test
  void outputOffByMoreThanToleranceFails() throws IOException {
    Path json = copyFixture("resnet18", "resnet18", 1e-6);
    FixtureResult r = FixtureChecker.check(json);
    assertEquals(Status.FAIL, r.status(), r.line());
    assertTrue(r.maxError64() > FixtureChecker.TOLERANCE_F64 && r.maxError64() < 2e-6, r.line());
  }

  @Test
  void unknownModelIsUnsupported() throws IOException {
    Path json = copyFixture("resnet18", "no_such_model", 0);
    assertEquals(Status.UNSUPPORTED, FixtureChecker.check(json).status());
  }

  /** Copies a fixture into the temp folder under a model name, shifting output_f64 by {@code delta}. */
  private Path copyFixture(String name, String model, double delta) throws IOException {
    String text = Files.readString(TORCHVISION.resolve(name + ".json"))
        .replace("\"model\": \"" + name + "\"", "\"model\": \"" + model + "\"");
    Path json = tmp.resolve(name + ".json");
    Files.writeString(json, text);
    try (Scope s = Scope.open()) {
      Map<String, Tensor> outputs = new LinkedHashMap<>(
          SafeTensors.read(TORCHVISION.resolve(name + ".output.safetensors")).tensors());
      outputs.put("output_f64", outputs.get("output_f64").add(new Scalar(delta)));
      SafeTensors.write(tmp.resolve(name + ".output.safetensors"), outputs, Map.of());
    }
    return json;
  }
}
