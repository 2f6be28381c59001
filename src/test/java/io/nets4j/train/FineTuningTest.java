package io.nets4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.io.LoadReport;
import io.nets4j.io.SafeTensors;
import io.nets4j.io.StateDicts;
import io.nets4j.models.ImageClassifier;
import io.nets4j.models.ModelOptions;
import io.nets4j.models.Models;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Loading pretrained weights into a model with another head, and training the head alone. */
class FineTuningTest {
  @TempDir
  Path tmp;

  private static Map<String, Tensor> snapshot(ImageClassifier m) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    m.stateDict().forEach((k, v) -> out.put(k, Scope.detachFromScopes(v.detach().clone())));
    return out;
  }

  @Test
  void classifierKeysAreFoundWithoutChangingTheModel() {
    torch.manual_seed(0);
    TinyNet net = new TinyNet(4);
    Map<String, Tensor> before = snapshot(net);
    assertEquals(Set.of("fc.weight", "fc.bias"), FineTuning.classifierKeys(net));
    before.forEach((k, v) -> assertEquals(0, Tensors.maxAbsDiff(v, net.stateDict().get(k)), k));
    ImageClassifier resnet = Models.create("resnet18", ModelOptions.defaults().withNumClasses(10));
    assertEquals(Set.of("fc.weight", "fc.bias"), FineTuning.classifierKeys(resnet));
  }

  @Test
  void pretrainedWeightsLoadIntoANewHead() {
    torch.manual_seed(0);
    TinyNet source = new TinyNet(4);
    Path file = tmp.resolve("pretrained.safetensors");
    StateDicts.save(source, file);
    TinyNet target = new TinyNet(7);
    Tensor freshHead = Scope.detachFromScopes(target.stateDict().get("fc.weight").detach().clone());
    LoadReport report = FineTuning.loadPretrained(target, file, true);
    assertEquals(2, report.skipped().size(), report.toString());
    assertTrue(report.missing().isEmpty() && report.unexpected().isEmpty(), report.toString());
    for (String k : source.stateDict().keySet()) {
      if (!k.startsWith("fc.")) {
        assertEquals(0, Tensors.maxAbsDiff(source.stateDict().get(k), target.stateDict().get(k)), k);
      }
    }
    assertEquals(0, Tensors.maxAbsDiff(freshHead, target.stateDict().get("fc.weight")), "the new head is kept");
  }

  @Test
  void strictLoadingRefusesAnIncompleteBackboneAndLoadsNothing() {
    torch.manual_seed(0);
    TinyNet source = new TinyNet(4);
    Map<String, Tensor> partial = new LinkedHashMap<>(source.stateDict());
    partial.remove("features.0.weight");
    Path file = tmp.resolve("partial.safetensors");
    SafeTensors.write(file, partial, Map.of());
    TinyNet target = new TinyNet(4);
    Map<String, Tensor> before = snapshot(target);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> FineTuning.loadPretrained(target, file, true));
    assertTrue(e.getMessage().contains("missing 'features.0.weight'"), e.getMessage());
    before.forEach((k, v) -> assertEquals(0, Tensors.maxAbsDiff(v, target.stateDict().get(k)), k));
    LoadReport lenient = FineTuning.loadPretrained(target, file, false);
    assertEquals(List.of("features.0.weight"), lenient.missing());
  }

  @Test
  void aFrozenBackboneKeepsItsWeightsAndBatchNormStatistics() {
    torch.manual_seed(0);
    TinyNet net = new TinyNet(4);
    assertEquals(Set.of("fc.weight", "fc.bias"), FineTuning.freezeBackbone(net));
    Map<String, Tensor> before = snapshot(net);
    PatternDataset data = new PatternDataset(64, 16, 1);
    new Trainer(net, "tiny", TrainConfig.defaults(1)).progress(Trainer.ProgressMode.NONE)
        .output(new PrintStream(OutputStream.nullOutputStream())).fit(LoaderBatches.training(data, 16, 0), null);
    for (Map.Entry<String, Tensor> e : before.entrySet()) {
      double change = Tensors.maxAbsDiff(e.getValue(), net.stateDict().get(e.getKey()));
      if (e.getKey().startsWith("fc.")) {
        assertNotEquals(0, change, e.getKey() + " is trained");
      } else {
        assertEquals(0, change, e.getKey() + " is frozen (running statistics included)");
      }
    }
  }
}
