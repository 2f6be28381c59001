package io.nets4j.layers;

import io.nets4j.nn.F;
import io.nets4j.nn.Sequential;
import org.bytedeco.pytorch.Tensor;

/**
 * A classifier head (timm's {@code ClassifierHead}): global pooling of the features, then the
 * head's layers (dropout, pre-logits) and last the classifier slot, which the model fills with
 * {@code ImageClassifier.addClassifier} so that fine-tuning replaces only that layer. The layers
 * keep their reference names ({@code head.drop}, {@code head.fc}, {@code heads.head}).
 *
 * <p>{@link Pooling#apply} is the same pooling for the heads that are written as one expression
 * around a classifier child.
 */
public final class ClassifierHead extends Sequential {
  /** How the features become one vector per image. */
  public enum Pooling {
    /** Mean over the spatial positions of an NCHW map: {@code [N, C, H, W] -> [N, C]}. */
    AVERAGE,
    /** The first (class) token of a sequence: {@code [N, T, C] -> [N, C]}. */
    TOKEN,
    /** The features as they are (already pooled). */
    NONE;

    public Tensor apply(Tensor features) {
      return switch (this) {
        case AVERAGE -> F.globalAvgPool(features);
        case TOKEN -> features.select(1, 0);
        case NONE -> features;
      };
    }
  }

  private final Pooling pooling;

  public ClassifierHead(Pooling pooling) {
    this.pooling = pooling;
  }

  @Override
  protected Tensor compute(Tensor x) {
    return super.compute(pooling.apply(x));
  }

  @Override
  public String typeName() {
    return "ClassifierHead";
  }
}
