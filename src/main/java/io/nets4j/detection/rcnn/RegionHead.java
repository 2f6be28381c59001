package io.nets4j.detection.rcnn;

import io.nets4j.nn.F;
import io.nets4j.nn.Init;
import io.nets4j.nn.Linear;
import io.nets4j.nn.Module;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;

/**
 * The per-region layers shared by R-CNN and Fast R-CNN: two fully connected layers with ReLU
 * ({@code fc6}, {@code fc7}), then class scores over background and the object classes
 * ({@code cls_score}) and class-specific box deltas ({@code bbox_pred}, 4 per class), named as
 * torchvision's {@code TwoMLPHead} and {@code FastRCNNPredictor}.
 */
final class RegionHead extends Module {
  /** Class logits {@code [K, C]} and box deltas {@code [K, 4C]} of {@code K} regions. */
  record Scores(Tensor logits, Tensor deltas) {}

  private final Linear fc6;
  private final Linear fc7;
  private final Linear clsScore;
  private final Linear bboxPred;

  RegionHead(int inFeatures, int representation, int numClasses) {
    fc6 = register("fc6", new Linear(inFeatures, representation));
    fc7 = register("fc7", new Linear(representation, representation));
    clsScore = register("cls_score", new Linear(representation, numClasses));
    bboxPred = register("bbox_pred", new Linear(representation, 4 * numClasses));
    // Fast R-CNN section 2.3: the new output layers start from N(0, 0.01) and N(0, 0.001), biases 0.
    Init.normal(clsScore.weight(), 0, 0.01);
    Init.normal(bboxPred.weight(), 0, 0.001);
    Init.zeros(clsScore.bias());
    Init.zeros(bboxPred.bias());
  }

  /**
   * @param detachRegression whether the box regression sees the features without back-propagating
   *     into them (R-CNN trains its regressors on fixed CNN features)
   */
  Scores forward(Tensor pooled, boolean detachRegression) {
    Tensor flat = F.flatten(pooled, 1);
    if (flat.size(1) != fc6.inFeatures()) {
      throw new IllegalArgumentException(path() + ": expected " + fc6.inFeatures() + " pooled features per region, got "
          + Tensors.describe(pooled));
    }
    Tensor x = F.relu(fc7.forward(F.relu(fc6.forward(flat))));
    return new Scores(clsScore.forward(x), bboxPred.forward(detachRegression ? x.detach() : x));
  }
}
