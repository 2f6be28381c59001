package io.nets4j.models;

import java.util.List;

/**
 * The classification registry: every classifier variant by name, created with {@link ModelOptions}.
 * {@code io.nets4j.registry.ModelRegistry} lists and looks up the models of every task as one.
 *
 * <pre>{@code
 * ImageClassifier model = Models.create("resnet50", ModelOptions.defaults().withNumClasses(10));
 * }</pre>
 */
public final class Models {
  /** Adds variants to the registry; each model family has a {@code register(Registrar)} method. */
  @FunctionalInterface
  public interface Registrar extends Registry.Registrar<ModelOptions, ImageClassifier> {}

  private static final Registry<ModelOptions, ImageClassifier> REGISTRY =
      Registry.of(Task.CLASSIFICATION, info -> ModelOptions.defaults(), m -> m, Models::registerFamilies);

  private static void registerFamilies(Registry.Registrar<ModelOptions, ImageClassifier> registrar) {
    Registrar r = registrar::add;
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

  /** The registry itself, for the listing of every task. */
  public static Registry<ModelOptions, ImageClassifier> registry() {
    return REGISTRY;
  }

  /** Builds {@code name} with 1000 classes and its default settings. */
  public static ImageClassifier create(String name) {
    return create(name, ModelOptions.defaults());
  }

  public static ImageClassifier create(String name, ModelOptions options) {
    return REGISTRY.create(name, options);
  }

  public static ModelInfo info(String name) {
    return REGISTRY.info(name);
  }

  public static boolean contains(String name) {
    return REGISTRY.contains(name);
  }

  /** Every registered model, in registration order (family by family). */
  public static List<ModelInfo> list() {
    return REGISTRY.list();
  }

  /**
   * The trainable parameter count of a model with 1000 classes, computed by building it on the
   * {@code meta} device: no memory is allocated, so this is fast even for huge models.
   */
  public static long parameterCount(String name) {
    return parameterCount(name, ModelOptions.defaults());
  }

  public static long parameterCount(String name, ModelOptions options) {
    return REGISTRY.parameterCount(name, options);
  }
}
