package io.nets4j.detection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.data.Box;
import io.nets4j.data.Dataset;
import io.nets4j.data.DetectionSample;
import io.nets4j.data.Image;
import io.nets4j.data.ShapesDataset;
import io.nets4j.detection.yolo.YoloV1;
import java.util.Arrays;
import java.util.List;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

class DetectorTrainingTest {
  @Test
  void flipMirrorsImageAndBoxes() {
    float[] px = new float[3 * 2 * 4];
    px[1] = 1; // channel 0, row 0, column 1
    DetectionSample s = new DetectionSample(new Image(px, 3, 2, 4), List.of(new Box(1, 0, 2, 1)), new int[] {2});
    DetectionSample f = DetectorTraining.flip(s);
    assertEquals(1f, f.image().get(0, 0, 2));
    assertEquals(List.of(new Box(2, 0, 3, 1)), f.boxes());
  }

  @Test
  void resizedScalesImagesAndBoxesToTheSquare() {
    DetectionSample s = new DetectionSample(new Image(new float[3 * 20 * 40], 3, 20, 40), List.of(new Box(4, 2, 20, 10)),
        new int[] {3});
    Dataset<DetectionSample> data = new Dataset<>() {
      @Override
      public int size() {
        return 1;
      }

      @Override
      public DetectionSample get(int index) {
        return s;
      }
    };
    DetectionSample r = DetectorTraining.resized(data, 10).get(0);
    assertEquals(10, r.image().height());
    assertEquals(10, r.image().width());
    assertEquals(List.of(new Box(1, 1, 5, 5)), r.boxes());
    assertEquals(3, r.labels()[0]);
  }

  @Test
  void yoloLossFallsInAFewSteps() {
    torch.manual_seed(0);
    YoloV1 yolo = new YoloV1(YoloV1.Config.tiny(32, 6));
    Dataset<DetectionSample> data = ShapesDataset.scenes(64, 32, 5).detection();
    double[] losses = DetectorTraining.train(yolo, data, DetectorTraining.Options.defaults(30, 8), s -> { });
    double first = Arrays.stream(losses, 0, 5).average().orElseThrow();
    double last = Arrays.stream(losses, 25, 30).average().orElseThrow();
    assertTrue(last < 0.5 * first, "loss " + first + " -> " + last);
  }
}
