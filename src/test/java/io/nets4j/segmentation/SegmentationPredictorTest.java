package io.nets4j.segmentation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.data.Image;
import io.nets4j.data.SegmentationSample;
import io.nets4j.data.ShapesDataset;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class SegmentationPredictorTest {
  private static final int CLASSES = 4;

  /** An FCN-32s with batch norm and random weights, so that train and evaluation mode differ and classes vary. */
  private static SegmentationModel randomModel() {
    torch.manual_seed(3);
    SegmentationModel net = SegmentationModels.create("fcn32s",
        SegmentationOptions.defaults().withNumClasses(CLASSES).withWidth(0.0625).withBatchNorm(true));
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      for (Tensor p : net.parameters()) {
        p.normal_();
      }
    }
    return net;
  }

  /** The mask is the per-pixel arg-max of the evaluation-mode scores, row-major, whatever mode the model was in. */
  @Test
  void predictsTheArgMaxOfTheEvaluationModeScores() {
    SegmentationModel net = randomModel();
    Image image = ShapesDataset.scenes(1, 24, 5).segmentation().get(0).image();
    int h = image.height();
    int w = image.width();
    float[] scores;
    net.eval();
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      Tensor out = net.forward(SegmentationTraining.images(List.of(new SegmentationSample(image, new int[h * w]))));
      assertArrayEquals(new long[] {1, CLASSES, h, w}, out.sizes().vec().get());
      scores = Tensors.toFloatArray(out);
    }
    int[] expected = new int[h * w];
    for (int i = 0; i < expected.length; i++) {
      for (int c = 1; c < CLASSES; c++) {
        if (scores[c * h * w + i] > scores[expected[i] * h * w + i]) {
          expected[i] = c;
        }
      }
    }
    assertTrue(Arrays.stream(expected).distinct().count() > 1, "random weights should give more than one class");
    net.train();
    SegmentationPredictor predictor = new SegmentationPredictor(net);
    assertArrayEquals(expected, predictor.predict(image));
    int[] counts = predictor.pixelsPerClass(expected);
    assertEquals(CLASSES, counts.length);
    assertEquals(h * w, Arrays.stream(counts).sum());
    assertEquals(Arrays.stream(expected).filter(c -> c == 0).count(), counts[0]);
  }

  @Test
  void classesOutsideTheModelAreRefused() {
    SegmentationPredictor predictor = new SegmentationPredictor(randomModel());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> predictor.pixelsPerClass(new int[] {0, CLASSES}));
    assertTrue(e.getMessage().contains("class " + CLASSES) && e.getMessage().contains(CLASSES + " classes"), e.getMessage());
  }
}
