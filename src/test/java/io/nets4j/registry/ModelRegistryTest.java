package io.nets4j.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.detection.Detector;
import io.nets4j.detection.Detectors;
import io.nets4j.models.ModelInfo;
import io.nets4j.models.Models;
import io.nets4j.models.Task;
import io.nets4j.models.UnknownModelException;
import io.nets4j.nn.Module;
import io.nets4j.segmentation.SegmentationModels;
import io.nets4j.sequence.tasks.Seq2SeqModel;
import io.nets4j.registry.SequenceModels;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The one registry of every task: lookup, listing, metadata and suggestions. */
class ModelRegistryTest {
  static Stream<String> names() {
    return ModelRegistry.list().stream().map(ModelInfo::name);
  }

  /** Every registered name resolves to its own info and builds (on the meta device) with its task's defaults. */
  @ParameterizedTest
  @MethodSource("names")
  void everyNameResolvesAndBuilds(String name) {
    ModelInfo info = ModelRegistry.info(name);
    assertEquals(name, info.name());
    assertTrue(ModelRegistry.contains(name));
    assertTrue(ModelRegistry.list(info.task()).contains(info), name);
    assertFalse(info.family().isBlank() || info.reference().isBlank() || info.paper().isBlank(), name);
    assertEquals(info.task() == Task.SEQUENCE && !name.startsWith("show_attend_tell"), info.inputSize() == 0, name);
    Module built = Tensors.onDevice("meta", () -> ModelRegistry.create(name));
    assertEquals(built.parameterCount(), ModelRegistry.parameterCount(name), name);
    assertTrue(built.parameterCount() > 0, name);
  }

  @Test
  void everyTaskIsListedOnceInTaskOrder() {
    List<ModelInfo> all = ModelRegistry.list();
    Set<String> names = new HashSet<>();
    assertTrue(all.stream().allMatch(i -> names.add(i.name())), "names are unique across tasks");
    for (Task t : Task.values()) {
      assertFalse(ModelRegistry.list(t).isEmpty(), t.label());
      assertTrue(ModelRegistry.list(t).stream().allMatch(i -> i.task() == t), t.label());
    }
    assertEquals(all, Stream.of(Task.values()).flatMap(t -> ModelRegistry.list(t).stream()).toList());
    assertEquals(Models.list(), ModelRegistry.list(Task.CLASSIFICATION));
    assertEquals(SegmentationModels.registry().list(), ModelRegistry.list(Task.SEGMENTATION));
    assertEquals(Detectors.names(), ModelRegistry.list(Task.DETECTION).stream().map(ModelInfo::name).toList());
    assertEquals(List.of("fcn_resnet50", "fcn_resnet101", "fcn32s", "fcn16s", "fcn8s"),
        ModelRegistry.list(Task.SEGMENTATION).stream().map(ModelInfo::name).toList());
    assertEquals(List.of("yolo_v1", "yolo_v1_resnet18", "fasterrcnn_light", "rcnn", "fast_rcnn", "sppnet"),
        Detectors.names());
  }

  @Test
  void metadataOfEachTask() {
    assertEquals(new ModelInfo("resnet50", Task.CLASSIFICATION, "ResNet", "torchvision", 224,
        "He et al. 2016, Deep Residual Learning for Image Recognition"), ModelRegistry.info("resnet50"));
    assertEquals(2, ModelRegistry.info("resnet50").weights().size());
    assertEquals(Task.SEGMENTATION, ModelRegistry.info("fcn8s").task());
    assertEquals(List.of(), ModelRegistry.info("fcn8s").weights());
    assertEquals(Task.DETECTION, ModelRegistry.info("fasterrcnn_light").task());
    assertEquals("FasterRCNN", ModelRegistry.info("fasterrcnn_light").family());
    assertEquals(Task.SEQUENCE, ModelRegistry.info("seq2seq_bahdanau").task());
  }

  /** The typed factories return their task's types, built by the same names. */
  @Test
  void typedFactoriesBuildTheRegisteredModels() {
    try (Scope s = Scope.open()) {
      Detector d = Detectors.create("yolo_v1", 2, 64);
      assertEquals(2, d.numClasses());
      assertInstanceOf(Seq2SeqModel.class, SequenceModels.create("seq2seq_transformer"));
      assertEquals(SegmentationModels.parameterCount("fcn8s"), ModelRegistry.parameterCount("fcn8s"));
    }
  }

  @Test
  void unknownNamesSuggestTheClosestOfEveryTask() {
    assertSuggests("resnt50", "resnet50", "classification");
    assertSuggests("fcn8", "fcn8s", "segmentation");
    assertSuggests("yolo_v2", "yolo_v1", "detection");
    assertSuggests("char_lstm", "char_lstm_lm", "sequence");
    UnknownModelException e = assertThrows(UnknownModelException.class, () -> ModelRegistry.create("zzzzzz"));
    assertEquals(List.of(), e.suggestions());
    assertEquals("unknown model 'zzzzzz' (`nets4j list` prints every model)", e.getMessage());
    // the typed factories say which task they were asked for
    UnknownModelException typed = assertThrows(UnknownModelException.class, () -> Detectors.create("yolo_v9", 2, 32));
    assertEquals(Task.DETECTION, typed.task().orElseThrow());
    assertTrue(typed.getMessage().contains("did you mean yolo_v1 (detection)")
        && typed.getMessage().contains("`nets4j list --task detection`"), typed.getMessage());
  }

  private static void assertSuggests(String name, String closest, String task) {
    UnknownModelException e = assertThrows(UnknownModelException.class, () -> ModelRegistry.info(name));
    assertEquals(closest, e.suggestions().get(0), e.getMessage());
    assertTrue(e.task().isEmpty());
    assertTrue(e.getMessage().startsWith("unknown model '" + name + "'; did you mean " + closest + " (" + task + ")"),
        e.getMessage());
  }
}
