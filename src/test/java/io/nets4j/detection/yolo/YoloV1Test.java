package io.nets4j.detection.yolo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.data.Box;
import io.nets4j.data.DetectionSample;
import io.nets4j.data.Image;
import io.nets4j.data.ShapesDataset;
import io.nets4j.detection.DetectionLoss;
import io.nets4j.detection.Detections;
import io.nets4j.detection.Detectors;
import io.nets4j.models.UnknownModelException;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class YoloV1Test {
  /** S = 2, B = 2, C = 2 on 32 x 32 images (a backbone of stride 16): 12 values per cell. */
  private static final YoloV1.Config SMALL =
      new YoloV1.Config(32, 2, 2, 2, YoloV1.Backbone.darknet("3x8/2 3x8 M 3x8 M M", true), 0, 8);

  @Test
  void vocConfigurationOutputsSevenBySevenByThirty() {
    YoloV1 yolo = new YoloV1(YoloV1.Config.tiny(56, 20));
    try (Scope s = Scope.open()) {
      Tensor out = yolo.forward(Tensors.zeros(io.nets4j.tensor.DType.FLOAT32, 2, 3, 56, 56));
      assertArrayEquals(new long[] {2, 7, 7, 30}, Tensors.shape(out));
    }
    assertEquals(yolo.parameterCount(), YoloV1.parameterCount(yolo.config()));
  }

  @Test
  void fullyConnectedHeadAndTrunkBackboneHaveTheGridShape() {
    YoloV1.Config fc = new YoloV1.Config(64, 4, 2, 3, YoloV1.Backbone.darknet("3x8 M 3x8 M 3x8 M 3x8 M", false), 32, 0);
    YoloV1 yolo = new YoloV1(fc);
    YoloV1 resnet = new YoloV1(YoloV1.Config.resnet18(64, 3));
    resnet.eval();
    try (Scope s = Scope.open()) {
      assertArrayEquals(new long[] {1, 4, 4, 13}, Tensors.shape(yolo.forward(torch.rand(1, 3, 64, 64))));
      assertArrayEquals(new long[] {1, 2, 2, 13}, Tensors.shape(resnet.forward(torch.rand(1, 3, 64, 64))));
    }
    assertEquals(yolo.parameterCount(), YoloV1.parameterCount(fc));
    assertEquals(resnet.parameterCount(), YoloV1.parameterCount(resnet.config()));
    assertTrue(resnet.stateDict().containsKey("backbone.body.layer4.1.conv2.weight"));
  }

  @Test
  void papersNetworkHas24ConvolutionsAnd272MillionParameters() {
    YoloV1.Config paper = YoloV1.Config.PAPER;
    long convs = java.util.Arrays.stream(paper.backbone().layers().split(" ")).filter(t -> !t.equals("M")).count();
    assertEquals(24, convs);
    assertEquals(7, paper.grid());
    assertEquals(30, paper.cellValues());
    // Convolutions (weights + biases), by the paper's figure 3:
    //   7x7x3x64 + 64                       =      9,472
    //   3x3x64x192 + 192                    =    110,784
    //   1x1x192x128, 3x3x128x256, 1x1x256x256, 3x3x256x512 (+ biases) = 1,565,824
    //   4 x (1x1x512x256 + 3x3x256x512), 1x1x512x512, 3x3x512x1024 = 10,228,224
    //   2 x (1x1x1024x512 + 3x3x512x1024), 4 x 3x3x1024x1024 = 48,241,664
    // FC: 7*7*1024 x 4096 + 4096 = 205,524,992; 4096 x 1470 + 1470 = 6,022,590.
    long convParams = 9_472 + 110_784 + 1_565_824 + 10_228_224 + 48_241_664;
    assertEquals(convParams + 205_524_992 + 6_022_590, YoloV1.parameterCount(paper));
  }

  @Test
  void rejectsAGridThatDoesNotFitTheBackbone() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new YoloV1.Config(100, 7, 2, 20, YoloV1.Config.PAPER.backbone(), 4096, 0));
    assertTrue(e.getMessage().contains("stride 64"), e.getMessage());
    YoloV1 yolo = new YoloV1(SMALL);
    try (Scope s = Scope.open()) {
      RuntimeException bad = assertThrows(RuntimeException.class, () -> yolo.forward(torch.rand(1, 3, 48, 48)));
      assertTrue(bad.getMessage().contains("[N, 3, 32, 32]"), bad.getMessage());
    }
  }

  /** One 32 x 32 sample with the object (0, 0, 16, 16) of label 1: cell (0, 0), x = y = .5, sqrt w = sqrt h = sqrt .5. */
  private static DetectionSample oneObject() {
    return new DetectionSample(new Image(new float[3 * 32 * 32], 3, 32, 32), List.of(new Box(0, 0, 16, 16)),
        new int[] {1});
  }

  /** Output [1, 2, 2, 12] with {@code cell00} in cell (row 0, col 0) and confidences 0.2 in cell (0, 1). */
  private static Tensor output(float[] cell00) {
    float[] out = new float[2 * 2 * 12];
    System.arraycopy(cell00, 0, out, 0, 12);
    out[12 + 4] = 0.2f;          // cell (0, 1), predictor 0 confidence
    out[12 + 10] = 0.5f;         // class values of cells without objects are not penalised
    out[36 + 11] = 0.7f;
    return Tensors.fromFloats(out, 1, 2, 2, 12);
  }

  @Test
  void lossMatchesTheHandComputedSum() {
    float r = (float) Math.sqrt(0.5);
    // Predictor 0 is off by 0.1 in x (box [.05, 0, .55, .5], IoU .225 / .275); predictor 1 is a
    // quarter-size box at the centre (IoU .25): predictor 0 is responsible.
    Tensor out = output(new float[] {0.6f, 0.5f, r, r, 0.8f, 0.5f, 0.5f, 0.5f, 0.5f, 0.3f, 0.6f, 0.1f});
    YoloLoss.Parts p = YoloLoss.PAPER.compute(out, YoloLoss.targets(List.of(oneObject()), SMALL), SMALL);
    double iou = 0.225 / 0.275;
    double coord = 5 * 0.1 * 0.1;
    double obj = (0.8 - iou) * (0.8 - iou);
    double noobj = 0.5 * (0.3 * 0.3 + 0.2 * 0.2);
    double cls = 0.4 * 0.4 + 0.1 * 0.1;
    assertEquals(coord, p.coord(), 1e-6);
    assertEquals(obj, p.objectConfidence(), 1e-6);
    assertEquals(noobj, p.noObjectConfidence(), 1e-6);
    assertEquals(cls, p.classification(), 1e-6);
    assertEquals(coord + obj + noobj + cls, p.total().item_double(), 1e-6);
  }

  @Test
  void theBetterBoxIsResponsibleAndTheLossIsAveragedOverImages() {
    float r = (float) Math.sqrt(0.5);
    // Predictor 1 is exact (IoU 1), predictor 0 is far off: predictor 1 is responsible and
    // predictor 0 only pays lambda_noobj * C^2. The square-rooted size error of predictor 0 does not count.
    Tensor one = output(new float[] {0.0f, 0.0f, 0.1f, 0.1f, 0.4f, 0.5f, 0.5f, r, r, 0.9f, 1.0f, 0.0f});
    Tensor two = Tensors.cat(List.of(one, torch.zeros_like(one)), 0);
    DetectionSample empty = new DetectionSample(new Image(new float[3 * 32 * 32], 3, 32, 32), List.of(), new int[0]);
    YoloLoss.Parts p = YoloLoss.PAPER.compute(two, YoloLoss.targets(List.of(oneObject(), empty), SMALL), SMALL);
    double expected = (0.1 * 0.1 + 0.5 * (0.4 * 0.4 + 0.2 * 0.2)) / 2;
    assertEquals(0.0, p.coord(), 1e-6);
    assertEquals(expected, p.total().item_double(), 1e-6);
  }

  @Test
  void targetsPlaceObjectsInTheCellOfTheirCentre() {
    YoloLoss.Targets t = YoloLoss.targets(List.of(new DetectionSample(new Image(new float[3 * 32 * 32], 3, 32, 32),
        List.of(new Box(20, 4, 28, 12)), new int[] {2})), SMALL);
    // Centre (24, 8) of 32: cell row 0, col 1, offsets (.5, .5); sqrt of w = h = .25 is .5.
    float[] object = Tensors.toFloatArray(t.object());
    assertArrayEquals(new float[] {0, 1, 0, 0}, object);
    float[] boxes = Tensors.toFloatArray(t.boxes());
    assertArrayEquals(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, java.util.Arrays.copyOfRange(boxes, 4, 8), 1e-6f);
    assertArrayEquals(new float[] {0, 1}, java.util.Arrays.copyOfRange(Tensors.toFloatArray(t.classes()), 2, 4));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> YoloLoss.targets(List.of(
        new DetectionSample(new Image(new float[3 * 32 * 32], 3, 32, 32), List.of(new Box(0, 0, 4, 4)), new int[] {3})),
        SMALL));
    assertTrue(e.getMessage().contains("label 3 is outside 1..2"), e.getMessage());
  }

  @Test
  void decodingScoresBoxesByConfidenceTimesClassProbability() {
    float[] out = new float[2 * 2 * 12];
    int cell10 = 2 * 12; // row 1, col 0
    // Predictor 0: centre (.25, .75) of the image, w = h = .25 -> pixels [4, 20, 12, 28], confidence .9.
    System.arraycopy(new float[] {0.5f, 0.5f, 0.5f, 0.5f, 0.9f}, 0, out, cell10, 5);
    // Predictor 1: almost the same box, confidence .5: suppressed by NMS within its class.
    System.arraycopy(new float[] {0.55f, 0.5f, 0.5f, 0.5f, 0.5f}, 0, out, cell10 + 5, 5);
    out[cell10 + 10] = 0.2f;
    out[cell10 + 11] = 0.8f;
    // A box in cell (0, 1) reaching past the right edge is clipped: centre x (1 + .9) / 2 = .95, w .25.
    System.arraycopy(new float[] {0.9f, 0.5f, 0.5f, 0.5f, 1.0f}, 0, out, 12, 5);
    out[12 + 10] = 0.6f;
    Tensor output = Tensors.fromFloats(out, 1, 2, 2, 12);
    Detections d = YoloDecoder.decode(output, SMALL, 32, 32, new YoloV1.Decoding(0.15, 0.5, 100)).get(0);
    // Scores: .6 (cell 0,1 class 1), .72 and .4 (class 2, the .4 suppressed), .18 (class 1), .1 (below .15).
    assertArrayEquals(new float[] {0.72f, 0.6f, 0.18f}, Tensors.toFloatArray(d.scores()), 1e-6f);
    assertArrayEquals(new long[] {2, 1, 1}, Tensors.toLongArray(d.labels()));
    assertArrayEquals(new float[] {4, 20, 12, 28, 26.4f, 4, 32, 12, 4, 20, 12, 28}, Tensors.toFloatArray(d.boxes()),
        1e-4f);
    Detections strict = YoloDecoder.decode(output, SMALL, 32, 32, new YoloV1.Decoding(0.5, 0.5, 1)).get(0);
    assertArrayEquals(new long[] {2}, Tensors.toLongArray(strict.labels()));
  }

  @Test
  void gradientsReachEveryParameter() {
    YoloV1 yolo = new YoloV1(SMALL);
    List<DetectionSample> batch = java.util.stream.IntStream.range(0, 4)
        .mapToObj(i -> relabel(ShapesDataset.scenes(4, 32, 3).detection().get(i))).toList();
    try (Scope s = Scope.open()) {
      DetectionLoss loss = yolo.loss(batch);
      assertEquals(List.of("coord", "obj", "noobj", "class"), List.copyOf(loss.terms().keySet()));
      loss.total().backward();
      for (Map.Entry<String, Tensor> p : yolo.namedParameters().entrySet()) {
        Tensor g = p.getValue().grad();
        assertTrue(g.defined(), p.getKey() + " has no gradient");
        assertTrue(g.abs().sum().item_double() > 0, p.getKey() + " has a zero gradient");
      }
    }
  }

  /** Maps the six shape labels onto the two classes of {@link #SMALL}. */
  private static DetectionSample relabel(DetectionSample s) {
    int[] labels = java.util.Arrays.stream(s.labels()).map(l -> 1 + l % 2).toArray();
    return new DetectionSample(s.image(), s.boxes(), labels);
  }

  @Test
  void savedWeightsRebuildTheSameDetector(@TempDir Path dir) {
    torch.manual_seed(0);
    YoloV1 yolo = (YoloV1) Detectors.create("yolo_v1", 2, 32);
    yolo.setDecoding(YoloV1.Decoding.EVALUATION);
    // untrained confidences are small: keep every box so that there are scores to compare
    yolo.setScoreThreshold(0);
    Path file = dir.resolve("yolo.safetensors");
    Detectors.save(yolo, "yolo_v1", 32, List.of("a", "b"), file);
    Detectors.Loaded loaded = Detectors.load(file);
    assertEquals(List.of("a", "b"), loaded.classes());
    assertEquals(32, loaded.imageSize());
    ((YoloV1) loaded.detector()).setDecoding(YoloV1.Decoding.EVALUATION);
    loaded.detector().setScoreThreshold(0);
    try (Scope s = Scope.open()) {
      Tensor image = torch.rand(3, 32, 32);
      Detections a = yolo.detect(List.of(image)).get(0);
      Detections b = loaded.detector().detect(List.of(image)).get(0);
      assertTrue(a.size() > 0);
      assertArrayEquals(Tensors.toFloatArray(a.scores()), Tensors.toFloatArray(b.scores()), 1e-6f);
      // A 64 x 64 image is resized to the input and its boxes scaled back to its own frame.
      Detections big = yolo.detect(List.of(torch.rand(3, 64, 64))).get(0);
      assertTrue(Tensors.toFloatArray(big.boxes()).length > 0);
      for (float v : Tensors.toFloatArray(big.boxes())) {
        assertTrue(v >= 0 && v <= 64, "box coordinate " + v + " outside the 64 x 64 image");
      }
    }
    UnknownModelException e = assertThrows(UnknownModelException.class, () -> Detectors.create("yolo_v9", 2, 32));
    assertTrue(e.getMessage().contains("yolo_v1"), e.getMessage());
  }
}
