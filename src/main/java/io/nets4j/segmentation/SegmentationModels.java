package io.nets4j.segmentation;

import io.nets4j.models.Registry;
import io.nets4j.models.Task;

/**
 * The typed factory of the semantic segmentation models, created with {@link SegmentationOptions}
 * (these models return per-pixel maps rather than class logits); their names, metadata and
 * listing are those of {@code io.nets4j.registry.ModelRegistry}, with every other task's.
 */
public final class SegmentationModels {
  /** Adds variants to the registry; each family has a {@code register(Registrar)} method. */
  @FunctionalInterface
  public interface Registrar extends Registry.Registrar<SegmentationOptions, SegmentationModel> {}

  private static final Registry<SegmentationOptions, SegmentationModel> REGISTRY =
      Registry.of(Task.SEGMENTATION, info -> SegmentationOptions.defaults(), m -> m, registrar -> {
        Registrar r = registrar::add;
        FCN.register(r);
        VGGFCN.register(r);
      });

  private SegmentationModels() {}

  /** The registry itself, for the listing of every task. */
  public static Registry<SegmentationOptions, SegmentationModel> registry() {
    return REGISTRY;
  }

  /** Builds {@code name} with its defaults (21 classes, no auxiliary head). */
  public static SegmentationModel create(String name) {
    return REGISTRY.create(name);
  }

  public static SegmentationModel create(String name, SegmentationOptions options) {
    return REGISTRY.create(name, options);
  }

  /** The trainable parameter count with the given options, built on the {@code meta} device. */
  public static long parameterCount(String name, SegmentationOptions options) {
    return REGISTRY.parameterCount(name, options);
  }

  /** The trainable parameter count with the defaults (21 classes, no auxiliary head). */
  public static long parameterCount(String name) {
    return REGISTRY.parameterCount(name);
  }
}
