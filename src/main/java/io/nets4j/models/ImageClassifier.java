package io.nets4j.models;

import io.nets4j.nn.Layer;
import org.bytedeco.pytorch.Tensor;

/**
 * The uniform API of image classification models (after timm): {@code forward(x) =
 * forwardHead(forwardFeatures(x))}, with the classifier replaceable for fine-tuning.
 */
public abstract class ImageClassifier extends Layer {
  /** The backbone's output before global pooling, e.g. {@code [N, 2048, 7, 7]} for ResNet-50. */
  public abstract Tensor forwardFeatures(Tensor x);

  /**
   * Pooling (and dropout) and the classifier: logits {@code [N, numClasses]}, or the pooled
   * features {@code [N, numFeatures]} when the model has no classifier ({@code numClasses == 0}).
   */
  public abstract Tensor forwardHead(Tensor features);

  /** The width of the pooled features that feed the classifier. */
  public abstract int numFeatures();

  /** The number of classes, {@code 0} when the model returns features. */
  public abstract int numClasses();

  /** Replaces the classifier with a freshly initialised one for {@code numClasses} ({@code 0}: none). */
  public abstract void resetClassifier(int numClasses);

  @Override
  protected Tensor compute(Tensor x) {
    return forwardHead(forwardFeatures(x));
  }
}
