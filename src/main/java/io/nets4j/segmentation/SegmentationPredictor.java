package io.nets4j.segmentation;

import io.nets4j.data.Image;
import io.nets4j.data.SegmentationSample;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.List;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Per-pixel classes of an image from a segmentation model: the arg-max over the class scores of
 * one evaluation-mode forward pass, as in torchvision's segmentation reference
 * ({@code output["out"].argmax(1)}).
 */
public final class SegmentationPredictor {
  private final SegmentationModel model;

  public SegmentationPredictor(SegmentationModel model) {
    this.model = model;
  }

  /** The class of every pixel of {@code image}, row-major (the model is put in evaluation mode). */
  public int[] predict(Image image) {
    model.eval();
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      SegmentationSample sample = new SegmentationSample(image, new int[image.height() * image.width()]);
      Tensor scores = model.forward(SegmentationTraining.images(List.of(sample)));
      long[] classes = Tensors.toLongArray(scores.argmax(new LongOptional(1), false));
      int[] mask = new int[classes.length];
      for (int i = 0; i < mask.length; i++) {
        mask[i] = (int) classes[i];
      }
      return mask;
    }
  }

  /** How many pixels of {@code mask} each of the model's classes has. */
  public int[] pixelsPerClass(int[] mask) {
    int[] counts = new int[model.numClasses()];
    for (int c : mask) {
      if (c < 0 || c >= counts.length) {
        throw new IllegalArgumentException("class " + c + " outside the model's " + counts.length + " classes");
      }
      counts[c]++;
    }
    return counts;
  }
}
