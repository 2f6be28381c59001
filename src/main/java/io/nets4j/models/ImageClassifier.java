package io.nets4j.models;

import io.nets4j.nn.Identity;
import io.nets4j.nn.Layer;
import io.nets4j.nn.Linear;
import io.nets4j.nn.Sequential;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/**
 * The uniform API of image classification models (after timm): {@code forward(x) =
 * forwardHead(forwardFeatures(x))}, with the classifier replaceable for fine-tuning.
 *
 * <p>A model declares its classifier once, where it builds it: {@link #registerClassifier} for a
 * classifier that is a child of the model ({@code fc}, {@code head}), {@link #addClassifier} for
 * the last layer of a head {@link Sequential} whose other layers stay when the classifier is
 * replaced (torchvision's {@code classifier.6} of VGG). {@link #numFeatures}, {@link #numClasses}
 * and {@link #resetClassifier} then follow from that declaration.
 */
public abstract class ImageClassifier extends Layer {
  /** Builds the classifier: logits for {@code numClasses} from {@code numFeatures} features. */
  @FunctionalInterface
  public interface ClassifierFactory {
    /** The classifier for {@code numClasses} ({@code 0}: a layer that returns the features). */
    Layer create(int numFeatures, int numClasses);

    /** A linear layer with PyTorch's default initialisation, {@link Identity} for no classes. */
    static ClassifierFactory linear() {
      return linear(fc -> {});
    }

    /** A linear layer re-initialised by {@code init}, {@link Identity} for no classes. */
    static ClassifierFactory linear(Consumer<Linear> init) {
      return (features, classes) -> {
        if (classes == 0) {
          return new Identity();
        }
        Linear fc = new Linear(features, classes);
        init.accept(fc);
        return fc;
      };
    }
  }

  private int numFeatures;
  private int numClasses;
  private ClassifierFactory factory;
  private UnaryOperator<Layer> install;
  private Layer classifier;

  /** The backbone's output before global pooling, e.g. {@code [N, 2048, 7, 7]} for ResNet-50. */
  public abstract Tensor forwardFeatures(Tensor x);

  /**
   * Pooling (and dropout) and the classifier: logits {@code [N, numClasses]}, or the pooled
   * features {@code [N, numFeatures]} when the model has no classifier ({@code numClasses == 0}).
   */
  public abstract Tensor forwardHead(Tensor features);

  /**
   * Builds the classifier for {@code numClasses} and registers it as this model's child
   * {@code name}; {@link #resetClassifier} replaces that child in place.
   *
   * @param numFeatures the width of the features that feed the classifier
   * @return the classifier, also available as {@link #classifier()}
   */
  protected final Layer registerClassifier(String name, int numFeatures, int numClasses, ClassifierFactory factory) {
    return declare(numFeatures, numClasses, factory, layer -> register(name, layer), layer -> replace(name, layer));
  }

  /**
   * Builds the classifier for {@code numClasses} and appends it to {@code head}, named by its
   * index; {@link #resetClassifier} replaces only that layer, so the layers before it (hidden
   * layers, normalization) keep their weights.
   */
  protected final Layer addClassifier(Sequential head, int numFeatures, int numClasses, ClassifierFactory factory) {
    return addClassifier(head, Integer.toString(head.size()), numFeatures, numClasses, factory);
  }

  /** As {@link #addClassifier(Sequential, int, int, ClassifierFactory)}, under an explicit name. */
  protected final Layer addClassifier(Sequential head, String name, int numFeatures, int numClasses,
      ClassifierFactory factory) {
    int index = head.size();
    return declare(numFeatures, numClasses, factory, layer -> {
      head.add(name, layer);
      return layer;
    }, layer -> head.replace(index, layer));
  }

  private Layer declare(int features, int classes, ClassifierFactory f, UnaryOperator<Layer> add,
      UnaryOperator<Layer> replace) {
    if (factory != null) {
      throw new IllegalStateException(typeName() + " already has a classifier ('" + classifier.path() + "')");
    }
    numFeatures = features;
    numClasses = classes;
    factory = f;
    install = replace;
    classifier = add.apply(f.create(features, classes));
    return classifier;
  }

  /** The current classifier layer (an {@link Identity} without classes). */
  protected final Layer classifier() {
    declared();
    return classifier;
  }

  private void declared() {
    if (factory == null) {
      throw new IllegalStateException(typeName() + " declares no classifier (registerClassifier or addClassifier)");
    }
  }

  /** The width of the pooled features that feed the classifier. */
  public int numFeatures() {
    declared();
    return numFeatures;
  }

  /** The number of classes, {@code 0} when the model returns features. */
  public int numClasses() {
    declared();
    return numClasses;
  }

  /**
   * Replaces the classifier with a freshly initialised one for {@code numClasses} ({@code 0}:
   * none), at the same place in the state_dict.
   */
  public void resetClassifier(int numClasses) {
    declared();
    classifier = install.apply(factory.create(numFeatures, numClasses));
    this.numClasses = numClasses;
  }

  @Override
  protected Tensor compute(Tensor x) {
    return forwardHead(forwardFeatures(x));
  }
}
