package io.nets4j.segmentation;

import io.nets4j.models.ModelInfo;
import io.nets4j.models.Registry;
import java.util.List;

/**
 * The registry of semantic segmentation models, by name, created with {@link SegmentationOptions}.
 * It is separate from {@link io.nets4j.models.Models} because these models return per-pixel maps
 * rather than class logits; the fixture checker and {@code nets4j list} consult both.
 */
public final class SegmentationModels {
  /** Adds variants to the registry; each family has a {@code register(Registrar)} method. */
  @FunctionalInterface
  public interface Registrar extends Registry.Registrar<SegmentationOptions, SegmentationModel> {}

  private static final Registry<SegmentationOptions, SegmentationModel> REGISTRY =
      new Registry<>("segmentation model");

  static {
    Registrar r = REGISTRY::add;
    FCN.register(r);
    VGGFCN.register(r);
  }

  private SegmentationModels() {}

  /** Builds {@code name} with its defaults (21 classes, no auxiliary head). */
  public static SegmentationModel create(String name) {
    return create(name, SegmentationOptions.defaults());
  }

  public static SegmentationModel create(String name, SegmentationOptions options) {
    return REGISTRY.create(name, options);
  }

  public static ModelInfo info(String name) {
    return REGISTRY.info(name);
  }

  public static boolean contains(String name) {
    return REGISTRY.contains(name);
  }

  /** Every registered segmentation model, in registration order. */
  public static List<ModelInfo> list() {
    return REGISTRY.list();
  }

  /** The trainable parameter count with the given options, built on the {@code meta} device. */
  public static long parameterCount(String name, SegmentationOptions options) {
    return REGISTRY.parameterCount(name, options);
  }

  /** The trainable parameter count with the defaults (21 classes, no auxiliary head). */
  public static long parameterCount(String name) {
    return parameterCount(name, SegmentationOptions.defaults());
  }

  /** The registered names nearest to {@code name} by edit distance (prefix matches first). */
  public static List<String> closest(String name, int n) {
    return REGISTRY.closest(name, n);
  }
}
