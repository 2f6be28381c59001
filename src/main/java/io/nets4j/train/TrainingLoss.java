package io.nets4j.train;

import io.nets4j.models.GoogLeNet;
import io.nets4j.models.ImageClassifier;
import io.nets4j.models.InceptionV3;
import io.nets4j.nn.F;
import java.util.List;
import java.util.function.BiFunction;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * How the trainer turns a batch into the loss it minimises: the forward pass and the loss
 * together, so that models with extra training outputs (the auxiliary classifiers of GoogLeNet
 * and Inception v3) can add their terms.
 */
@FunctionalInterface
public interface TrainingLoss {
  /**
   * Runs {@code model} (in training mode) on {@code images} and returns the loss to minimise with
   * the main logits (for the training accuracy).
   *
   * @param targets class indices {@code [N]} or class probabilities {@code [N, classes]}
   */
  Output compute(ImageClassifier model, Tensor images, Tensor targets);

  /** The loss and the main classifier's logits. */
  record Output(Tensor loss, Tensor logits) {}

  /** Cross-entropy of the model's logits, with label smoothing (Szegedy et al. 2016) in [0, 1). */
  static TrainingLoss crossEntropy(double labelSmoothing) {
    checkSmoothing(labelSmoothing);
    return (model, images, targets) -> {
      Tensor logits = model.forward(images);
      return new Output(crossEntropy(logits, targets, labelSmoothing), logits);
    };
  }

  /**
   * For models with auxiliary classifiers: {@code heads} runs the model and returns the main
   * logits first, then each auxiliary classifier's; the loss is the main cross-entropy plus
   * {@code auxWeight} times each auxiliary one (0.3 in GoogLeNet and Inception v3).
   */
  static TrainingLoss withAuxiliaryHeads(BiFunction<ImageClassifier, Tensor, List<Tensor>> heads, double auxWeight,
      double labelSmoothing) {
    checkSmoothing(labelSmoothing);
    return (model, images, targets) -> {
      List<Tensor> logits = heads.apply(model, images);
      if (logits.isEmpty()) {
        throw new IllegalStateException("the model returned no logits");
      }
      Tensor loss = crossEntropy(logits.get(0), targets, labelSmoothing);
      for (Tensor aux : logits.subList(1, logits.size())) {
        loss = loss.add(crossEntropy(aux, targets, labelSmoothing).mul(new Scalar(auxWeight)));
      }
      return new Output(loss, logits.get(0));
    };
  }

  /**
   * The loss a model trains with: for GoogLeNet and Inception v3 with their auxiliary classifiers,
   * the main loss plus the auxiliary ones weighted as in their papers and torchvision's recipe
   * (0.3 each for GoogLeNet, 0.4 for Inception v3); plain cross-entropy for every other model.
   */
  static TrainingLoss forModel(ImageClassifier model, double labelSmoothing) {
    if (model instanceof GoogLeNet g && g.hasAuxClassifiers()) {
      return withAuxiliaryHeads((m, x) -> {
        GoogLeNet.Outputs o = ((GoogLeNet) m).forwardWithAux(x);
        return List.of(o.logits(), o.aux1(), o.aux2());
      }, GoogLeNet.Outputs.AUX_WEIGHT, labelSmoothing);
    }
    if (model instanceof InceptionV3 i && i.hasAuxClassifier()) {
      return withAuxiliaryHeads((m, x) -> {
        InceptionV3.Outputs o = ((InceptionV3) m).forwardWithAux(x);
        return List.of(o.logits(), o.aux());
      }, InceptionV3.Outputs.AUX_WEIGHT, labelSmoothing);
    }
    return crossEntropy(labelSmoothing);
  }

  /**
   * Mean cross-entropy in float32 or wider (logits computed in bfloat16 under autocast are
   * widened first), with hard or soft targets.
   */
  static Tensor crossEntropy(Tensor logits, Tensor targets, double labelSmoothing) {
    Tensor l = logits;
    if (l.scalar_type().value == torch.ScalarType.BFloat16.value || l.scalar_type().value == torch.ScalarType.Half.value) {
      l = l.to(torch.ScalarType.Float);
    }
    Tensor t = targets.is_floating_point() ? targets.to(l.scalar_type()) : targets;
    return F.crossEntropy(l, t, labelSmoothing);
  }

  private static void checkSmoothing(double labelSmoothing) {
    if (labelSmoothing < 0 || labelSmoothing >= 1) {
      throw new IllegalArgumentException("label smoothing must be in [0, 1), got " + labelSmoothing);
    }
  }
}
