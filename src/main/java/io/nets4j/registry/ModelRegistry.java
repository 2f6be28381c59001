package io.nets4j.registry;

import io.nets4j.detection.Detectors;
import io.nets4j.models.ModelInfo;
import io.nets4j.models.Models;
import io.nets4j.models.Registry;
import io.nets4j.models.Task;
import io.nets4j.models.UnknownModelException;
import io.nets4j.nn.Module;
import io.nets4j.segmentation.SegmentationModels;
import java.util.List;
import java.util.Optional;

/**
 * Every registered model of every task, by one name: the lookup, listing and metadata that the
 * command line, the fixture checker and the server use. The typed factories stay with their tasks
 * ({@link Models#create} returns an {@code ImageClassifier}, {@link Detectors#create} a
 * {@code Detector}); names are unique across tasks, so a name says which task it belongs to.
 *
 * <pre>{@code
 * ModelRegistry.info("fcn8s").task();              // SEGMENTATION
 * ModelRegistry.list(Task.DETECTION);              // yolo_v1, yolo_v1_resnet18, fasterrcnn_light, ...
 * ModelRegistry.info("resnt50");                   // UnknownModelException: did you mean resnet50 (classification)?
 * }</pre>
 */
public final class ModelRegistry {
  private static final List<Registry<?, ?>> TASKS = List.of(Models.registry(), SegmentationModels.registry(),
      Detectors.registry(), SequenceModels.registry());

  static {
    List<String> names = names();
    if (names.stream().distinct().count() != names.size()) {
      throw new IllegalStateException("a model name is registered for two tasks: " + names);
    }
  }

  private ModelRegistry() {}

  /** Every registered model, task by task in {@link Task} order, each in registration order. */
  public static List<ModelInfo> list() {
    return TASKS.stream().flatMap(r -> r.list().stream()).toList();
  }

  /** The models of {@code task}, in registration order. */
  public static List<ModelInfo> list(Task task) {
    return registry(task).list();
  }

  public static boolean contains(String name) {
    return find(name).isPresent();
  }

  /**
   * What the registry knows of {@code name}.
   *
   * @throws UnknownModelException with the closest names of every task
   */
  public static ModelInfo info(String name) {
    return find(name).orElseThrow(() -> unknown(name)).info(name);
  }

  /** Builds {@code name} with its task's default options; the module that holds its parameters. */
  public static Module create(String name) {
    return find(name).orElseThrow(() -> unknown(name)).createModule(name);
  }

  /** The trainable parameter count of {@code name} with its task's defaults, built on the {@code meta} device. */
  public static long parameterCount(String name) {
    return find(name).orElseThrow(() -> unknown(name)).parameterCount(name);
  }

  /** The registered models nearest to {@code name} over every task, nearest first. */
  public static List<ModelInfo> closest(String name, int n) {
    return Registry.closest(name, names(), n).stream().map(ModelRegistry::info).toList();
  }

  private static Registry<?, ?> registry(Task task) {
    return TASKS.stream().filter(r -> r.task() == task).findFirst().orElseThrow();
  }

  private static Optional<Registry<?, ?>> find(String name) {
    return TASKS.stream().filter(r -> r.contains(name)).findFirst();
  }

  private static List<String> names() {
    return list().stream().map(ModelInfo::name).toList();
  }

  private static UnknownModelException unknown(String name) {
    return new UnknownModelException(name, null, closest(name, 3));
  }
}
