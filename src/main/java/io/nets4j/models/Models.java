package io.nets4j.models;

import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The model registry: every architecture variant by name, created with {@link ModelOptions}.
 *
 * <pre>{@code
 * ImageClassifier model = Models.create("resnet50", ModelOptions.defaults().withNumClasses(10));
 * }</pre>
 */
public final class Models {
  /** Adds variants to the registry; each model family has a {@code register(Registrar)} method. */
  public interface Registrar {
    void add(ModelInfo info, Function<ModelOptions, ImageClassifier> factory);
  }

  private record Entry(ModelInfo info, Function<ModelOptions, ImageClassifier> factory) {}

  private static final Map<String, Entry> REGISTRY = new LinkedHashMap<>();

  static {
    Registrar r = (info, factory) -> {
      if (REGISTRY.putIfAbsent(info.name(), new Entry(info, factory)) != null) {
        throw new IllegalStateException("model '" + info.name() + "' registered twice");
      }
    };
    AlexNet.register(r);
    VGG.register(r);
    GoogLeNet.register(r);
    InceptionV3.register(r);
    ResNet.register(r);
    CifarResNet.register(r);
    DenseNet.register(r);
    MobileNetV1.register(r);
    MobileNetV2.register(r);
    MobileNetV3.register(r);
    ShuffleNetV1.register(r);
    ShuffleNetV2.register(r);
    SENet.register(r);
    EfficientNet.register(r);
    ConvNeXt.register(r);
    CoAtNet.register(r);
    ConViT.register(r);
    SASA.register(r);
    VisionTransformer.register(r);
    SwinTransformer.register(r);
    CvT.register(r);
    LocalViT.register(r);
  }

  private Models() {}

  /** Builds {@code name} with 1000 classes and its default settings. */
  public static ImageClassifier create(String name) {
    return create(name, ModelOptions.defaults());
  }

  public static ImageClassifier create(String name, ModelOptions options) {
    return entry(name).factory().apply(options);
  }

  public static ModelInfo info(String name) {
    return entry(name).info();
  }

  public static boolean contains(String name) {
    return REGISTRY.containsKey(name);
  }

  /** Every registered model, in registration order (family by family). */
  public static List<ModelInfo> list() {
    return REGISTRY.values().stream().map(Entry::info).toList();
  }

  /**
   * The trainable parameter count of a model with 1000 classes, computed by building it on the
   * {@code meta} device: no memory is allocated, so this is fast even for huge models.
   */
  public static long parameterCount(String name) {
    return parameterCount(name, ModelOptions.defaults());
  }

  public static long parameterCount(String name, ModelOptions options) {
    Entry e = entry(name);
    return Tensors.onDevice("meta", () -> e.factory().apply(options).parameterCount());
  }

  private static Entry entry(String name) {
    Entry e = REGISTRY.get(name);
    if (e == null) {
      throw new UnknownModelException(name, closest(name, 3));
    }
    return e;
  }

  /** The registered names nearest to {@code name} by edit distance (prefix matches first). */
  public static List<String> closest(String name, int n) {
    String q = name.toLowerCase(Locale.ROOT);
    List<String> names = new ArrayList<>(REGISTRY.keySet());
    names.sort(Comparator.comparingInt((String s) -> s.startsWith(q) || q.startsWith(s) ? 0 : 1)
        .thenComparingInt(s -> editDistance(q, s))
        .thenComparing(Comparator.naturalOrder()));
    return names.subList(0, Math.min(n, names.size()));
  }

  static int editDistance(String a, String b) {
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int sub = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        cur[j] = Math.min(sub, Math.min(prev[j] + 1, cur[j - 1] + 1));
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
