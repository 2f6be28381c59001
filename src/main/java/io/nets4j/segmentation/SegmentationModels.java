package io.nets4j.segmentation;

import io.nets4j.models.ModelInfo;
import io.nets4j.models.UnknownModelException;
import io.nets4j.tensor.Tensors;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The registry of semantic segmentation models, by name, created with {@link SegmentationOptions}.
 * It is separate from {@link io.nets4j.models.Models} because these models return per-pixel maps
 * rather than class logits; the fixture checker consults both.
 */
public final class SegmentationModels {
  /** Adds variants to the registry; each family has a {@code register(Registrar)} method. */
  public interface Registrar {
    void add(ModelInfo info, Function<SegmentationOptions, SegmentationModel> factory);
  }

  private record Entry(ModelInfo info, Function<SegmentationOptions, SegmentationModel> factory) {}

  private static final Map<String, Entry> REGISTRY = new LinkedHashMap<>();

  static {
    Registrar r = (info, factory) -> {
      if (REGISTRY.putIfAbsent(info.name(), new Entry(info, factory)) != null) {
        throw new IllegalStateException("segmentation model '" + info.name() + "' registered twice");
      }
    };
    FCN.register(r);
    VGGFCN.register(r);
  }

  private SegmentationModels() {}

  /** Builds {@code name} with its defaults (21 classes, no auxiliary head). */
  public static SegmentationModel create(String name) {
    return create(name, SegmentationOptions.defaults());
  }

  public static SegmentationModel create(String name, SegmentationOptions options) {
    return entry(name).factory().apply(options);
  }

  public static ModelInfo info(String name) {
    return entry(name).info();
  }

  public static boolean contains(String name) {
    return REGISTRY.containsKey(name);
  }

  public static List<ModelInfo> list() {
    return REGISTRY.values().stream().map(Entry::info).toList();
  }

  /** The trainable parameter count with the given options, built on the {@code meta} device. */
  public static long parameterCount(String name, SegmentationOptions options) {
    Entry e = entry(name);
    return Tensors.onDevice("meta", () -> e.factory().apply(options).parameterCount());
  }

  public static long parameterCount(String name) {
    return parameterCount(name, SegmentationOptions.defaults());
  }

  private static Entry entry(String name) {
    Entry e = REGISTRY.get(name);
    if (e == null) {
      List<String> names = List.copyOf(REGISTRY.keySet());
      throw new UnknownModelException(name, names);
    }
    return e;
  }
}
