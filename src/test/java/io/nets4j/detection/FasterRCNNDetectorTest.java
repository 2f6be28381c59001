package io.nets4j.detection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.data.Dataset;
import io.nets4j.data.DetectionSample;
import io.nets4j.data.ShapesDataset;
import io.nets4j.tensor.Tensors;
import io.nets4j.train.OptimizerSpec;
import java.nio.file.Path;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The light Faster R-CNN as a {@link Detector}: training steps, detection output, saved weights. */
class FasterRCNNDetectorTest {
  @Test
  void aFewTrainingStepsReduceTheLoss() {
    FasterRCNNDetector detector = FasterRCNNDetector.light(ShapesDataset.SHAPES.size(), 96);
    Dataset<DetectionSample> data = ShapesDataset.scenes(2, 96, 3).detection();
    double[] losses = DetectorTraining.train(detector, data,
        new DetectorTraining.Options(15, 2, OptimizerSpec.adamw(1e-3), 2, 10, false, 0), step -> { });
    double first = (losses[0] + losses[1] + losses[2]) / 3;
    double last = (losses[12] + losses[13] + losses[14]) / 3;
    assertTrue(last < 0.7 * first, "loss did not fall: first steps " + first + ", last steps " + last);
  }

  @Test
  void detectsInTheImageFrameWithObjectLabels(@TempDir Path dir) {
    FasterRCNNDetector detector = FasterRCNNDetector.light(6, 64);
    assertEquals(6, detector.numClasses());
    assertEquals(7, detector.model().config().numClasses());
    // An image of another size is resized to 64 and the boxes mapped back to its own frame.
    Tensor image = Tensors.fromFloats(new float[3 * 48 * 80], 3, 48, 80);
    Detections d = detector.detect(List.of(image)).get(0);
    float[] boxes = Tensors.toFloatArray(d.boxes());
    for (int i = 0; i < boxes.length; i += 4) {
      assertTrue(boxes[i] >= 0 && boxes[i + 2] <= 80 + 1e-3 && boxes[i + 1] >= 0 && boxes[i + 3] <= 48 + 1e-3);
    }
    for (long l : Tensors.toLongArray(d.labels())) {
      assertTrue(l >= 1 && l <= 6, "label " + l);
    }
    // Untrained, no class reaches a probability of 0.99.
    detector.setScoreThreshold(0.99);
    assertEquals(0, detector.detect(List.of(image)).get(0).size());
    Path file = dir.resolve("frcnn.safetensors");
    Detectors.save(detector, "fasterrcnn_light", 64, ShapesDataset.SHAPES, file);
    Detectors.Loaded loaded = Detectors.load(file);
    assertEquals("fasterrcnn_light", loaded.name());
    assertTrue(loaded.detector() instanceof FasterRCNNDetector);
    assertEquals(0.0, Tensors.maxAbsDiff(detector.model().stateDict().get("roi_heads.box_predictor.cls_score.weight"),
        ((FasterRCNNDetector) loaded.detector()).model().stateDict().get("roi_heads.box_predictor.cls_score.weight")));
  }
}
