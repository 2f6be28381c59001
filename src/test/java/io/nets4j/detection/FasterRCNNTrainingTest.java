package io.nets4j.detection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.models.ModelOptions;
import io.nets4j.models.Models;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import io.nets4j.train.OptimizerSpec;
import io.nets4j.train.TorchOptimizer;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

/** Faster R-CNN training: matching, sampling and the four losses on hand-computed cases. */
class FasterRCNNTrainingTest {
  private static final double BETA = 1.0 / 9;

  private static Tensor boxes(float... v) {
    return Tensors.fromFloats(v, v.length / 4, 4);
  }

  @Test
  void matcherThresholdsAndLowQualityMatches() {
    // 2 ground truths x 4 predictions.
    Tensor iou = Tensors.fromFloats(new float[] {
        0.9f, 0.5f, 0.1f, 0.2f,
        0.1f, 0.65f, 0.25f, 0.3f}, 2, 4);
    // Prediction 1's best IoU (0.65, gt 1) is between the thresholds but it is gt 1's best: restored.
    assertArrayEquals(new long[] {0, 1, Matcher.BELOW_LOW, Matcher.BETWEEN},
        Tensors.toLongArray(Matcher.rpn().match(iou)));
    assertArrayEquals(new long[] {0, Matcher.BETWEEN, Matcher.BELOW_LOW, Matcher.BETWEEN},
        Tensors.toLongArray(new Matcher(0.7, 0.3, false).match(iou)));
    // At 0.5 / 0.5 nothing is ignored.
    assertArrayEquals(new long[] {0, 1, Matcher.BELOW_LOW, Matcher.BELOW_LOW},
        Tensors.toLongArray(Matcher.boxHead().match(iou)));
  }

  @Test
  void lowQualityMatchesKeepTies() {
    // gt 0 reaches its best IoU 0.4 at predictions 0 and 2; both keep their match.
    Tensor iou = Tensors.fromFloats(new float[] {0.4f, 0.1f, 0.4f, 0.35f}, 1, 4);
    assertArrayEquals(new long[] {0, Matcher.BELOW_LOW, 0, Matcher.BETWEEN},
        Tensors.toLongArray(Matcher.rpn().match(iou)));
  }

  @Test
  void matcherRejectsEmptyGroundTruth() {
    assertThrows(IllegalArgumentException.class, () -> Matcher.rpn().match(Tensors.zeros(io.nets4j.tensor.DType.FLOAT32, 0, 3)));
  }

  @Test
  void samplerCountsAndLabels() {
    long[] labels = new long[400];
    java.util.Arrays.fill(labels, 0);
    for (int i = 0; i < 10; i++) {
      labels[i * 7] = 1;
    }
    for (int i = 300; i < 400; i++) {
      labels[i] = -1;
    }
    Tensor l = Tensors.fromLongs(labels, labels.length);
    BalancedSampler.Sample s = new BalancedSampler(256, 0.5).sample(l, new Random(1));
    // Only 10 positives exist: the negatives fill the minibatch.
    assertEquals(10, s.positives().size(0));
    assertEquals(246, s.negatives().size(0));
    assertDrawn(s.positives(), labels, 1);
    assertDrawn(s.negatives(), labels, 0);

    for (int i = 0; i < 200; i++) {
      labels[i] = 2;
    }
    s = new BalancedSampler(256, 0.25).sample(Tensors.fromLongs(labels, labels.length), new Random(2));
    assertEquals(64, s.positives().size(0));
    // 100 negatives (indices 200..299) remain, fewer than the 192 wanted.
    assertEquals(100, s.negatives().size(0));
    assertDrawn(s.positives(), labels, 2);
    assertDrawn(s.negatives(), labels, 0);
  }

  private static void assertDrawn(Tensor idx, long[] labels, long expected) {
    Set<Long> seen = new HashSet<>();
    for (long i : Tensors.toLongArray(idx)) {
      assertEquals(expected, labels[(int) i], "label of drawn index " + i);
      assertTrue(seen.add(i), "index " + i + " drawn twice");
    }
  }

  /** A one-level RPN on a 2x3 grid of a 32x48 image, one 16x16 anchor per cell (stride 16). */
  private static RegionProposalNetwork tinyRpn(RegionProposalNetwork.Objectness form, double[] clsBias, float[] boxBias) {
    AnchorGenerator anchors = new AnchorGenerator(new double[][] {{16}}, new double[][] {{1.0}});
    RegionProposalNetwork rpn = new RegionProposalNetwork(anchors, 2, new RegionProposalNetwork.Config(10, 10, 0.7, 0,
        1e-3), form);
    // Zero weights: every anchor gets the biases as its objectness scores and deltas.
    try (NoGradGuard g = new NoGradGuard()) {
      for (Map.Entry<String, Tensor> p : rpn.namedParameters().entrySet()) {
        p.getValue().zero_();
      }
      Tensor cls = rpn.namedParameters().get("head.cls_logits.bias");
      cls.copy_(Tensors.fromDoubles(clsBias, clsBias.length).to(cls.scalar_type()));
      rpn.namedParameters().get("head.bbox_pred.bias").copy_(Tensors.fromFloats(boxBias, 4));
    }
    return rpn;
  }

  private static final float[] DELTAS = {0.1f, -0.2f, 0.05f, 0.3f};
  // Anchors: (0,0) (16,0) (32,0) / (0,16) (16,16) (32,16) centres, 16 px wide.
  // gt A equals anchor 4 (IoU 1). gt C = (-3, -8, 18, 8): IoU 0.4231 with anchor 0 (its best: a
  // low-quality positive) and 0.3704 with anchor 1 (ignored); the other anchors are background.
  private static final float[] GT = {8, 8, 24, 24, -3, -8, 18, 8};

  private static RegionProposalNetwork.TrainingOutput tinyRpnLoss(RegionProposalNetwork rpn) {
    Tensor batch = Tensors.zeros(io.nets4j.tensor.DType.FLOAT32, 1, 3, 32, 48);
    Tensor features = Tensors.fromFloats(new float[] {1, 2, 3, 4, 5, 6, -1, 0, 2, 1, 0, 3}, 1, 2, 2, 3);
    return rpn.forwardTraining(batch, List.of(features), new long[][] {{32, 48}}, List.of(boxes(GT)),
        new RegionProposalNetwork.Training(Matcher.rpn(), new BalancedSampler(256, 0.5), 10, 10), new Random(0));
  }

  @Test
  void anchorLabelsAndMatchedBoxes() {
    Tensor anchors = boxes(-8, -8, 8, 8, 8, -8, 24, 8, 24, -8, 40, 8, -8, 8, 8, 24, 8, 8, 24, 24, 24, 8, 40, 24);
    Tensor[] t = RegionProposalNetwork.assignTargets(anchors, boxes(GT), Matcher.rpn());
    assertArrayEquals(new float[] {1, -1, 0, 0, 1, 0}, Tensors.toFloatArray(t[0]));
    float[] matched = Tensors.toFloatArray(t[1]);
    assertArrayEquals(new float[] {-3, -8, 18, 8}, java.util.Arrays.copyOfRange(matched, 0, 4));
    assertArrayEquals(new float[] {8, 8, 24, 24}, java.util.Arrays.copyOfRange(matched, 16, 20));
  }

  @Test
  void rpnLossesSigmoid() {
    double b = 0.5;
    var out = tinyRpnLoss(tinyRpn(RegionProposalNetwork.Objectness.SIGMOID, new double[] {b}, DELTAS));
    // 2 positives and 3 negatives sampled (anchor 1 is ignored): mean binary cross-entropy.
    double expected = (2 * softplus(-b) + 3 * softplus(b)) / 5;
    assertEquals(expected, out.objectnessLoss().item_double(), 1e-6);
    assertEquals(rpnBoxLoss(), out.boxLoss().item_double(), 1e-6);
  }

  @Test
  void rpnLossesSoftmaxForm() {
    double bg = 0.2;
    double fg = -0.4;
    RegionProposalNetwork rpn = tinyRpn(RegionProposalNetwork.Objectness.SOFTMAX, new double[] {bg, fg}, DELTAS);
    assertEquals(2, rpn.namedParameters().get("head.cls_logits.weight").size(0), "2 scores per anchor");
    var out = tinyRpnLoss(rpn);
    // Two-class cross-entropy: -log softmax(bg, fg)[label].
    double expected = (2 * softplus(bg - fg) + 3 * softplus(fg - bg)) / 5;
    assertEquals(expected, out.objectnessLoss().item_double(), 1e-6);
    assertEquals(rpnBoxLoss(), out.boxLoss().item_double(), 1e-6);
    // The proposal score is the softmax foreground probability.
    double p = 1 / (1 + Math.exp(bg - fg));
    for (float s : Tensors.toFloatArray(out.proposals().scores().get(0))) {
      assertEquals(p, s, 1e-6);
    }
  }

  // Positives: anchor 4 -> A (zero targets) and anchor 0 -> C; the sum over 8 coordinates over 5 samples.
  private static double rpnBoxLoss() {
    double[] c = {7.5 / 16, 0, Math.log(21.0 / 16), 0};
    double sum = 0;
    for (int k = 0; k < 4; k++) {
      sum += smoothL1(DELTAS[k]) + smoothL1(DELTAS[k] - c[k]);
    }
    return sum / 5;
  }

  @Test
  void rpnTrainingProposalsAreCapped() {
    var out = tinyRpnLoss(tinyRpn(RegionProposalNetwork.Objectness.SIGMOID, new double[] {0}, new float[4]));
    assertTrue(out.proposals().boxes().get(0).size(0) <= 6);
    assertTrue(!out.proposals().boxes().get(0).requires_grad());
  }

  @Test
  void boxHeadSamplesAndLosses() {
    RoIHeads heads = new RoIHeads(new MultiScaleRoIAlign(7, 2), 2 * 49, 8, 3, RoIHeads.Config.DEFAULTS);
    double[] cls = {0.2, -0.1, 0.3};
    float[] reg = {0, 0, 0, 0, 0.3f, -0.1f, 0.2f, 0.0f, -0.2f, 0.4f, 0.1f, -0.3f};
    try (NoGradGuard g = new NoGradGuard()) {
      for (Tensor p : heads.namedParameters().values()) {
        p.zero_();
      }
      heads.namedParameters().get("box_predictor.cls_score.bias").copy_(Tensors.fromDoubles(cls, 3).to(torchFloat()));
      heads.namedParameters().get("box_predictor.bbox_pred.bias").copy_(Tensors.fromFloats(reg, 12));
    }
    List<Tensor> proposals = List.of(boxes(0, 0, 10, 10, 20, 20, 30, 30, 0, 0, 30, 30));
    List<Tensor> gt = List.of(boxes(0, 0, 10, 12, 18, 20, 30, 30));
    List<Tensor> gtLabels = List.of(Tensors.fromLongs(new long[] {2, 1}, 2));
    RoIHeads.Training training = new RoIHeads.Training(Matcher.boxHead(), new BalancedSampler(512, 0.25));

    RoIHeads.Samples samples = heads.sample(proposals, gt, gtLabels, training, new Random(0));
    // Proposals 0 and 1 match A and B at IoU 0.83, proposal 2 is background; A and B are appended.
    long[] labels = Tensors.toLongArray(samples.labels());
    long[] sorted = labels.clone();
    java.util.Arrays.sort(sorted);
    assertArrayEquals(new long[] {0, 1, 1, 2, 2}, sorted);

    Tensor features = Tensors.fromFloats(new float[2 * 8 * 8], 1, 2, 8, 8);
    RoIHeads.Losses losses = heads.forwardTraining(List.of(features), proposals, new long[][] {{32, 32}}, gt, gtLabels,
        training, new Random(0));
    double lse = Math.log(Math.exp(cls[0]) + Math.exp(cls[1]) + Math.exp(cls[2]));
    double ce = (lse - cls[0] + 2 * (lse - cls[1]) + 2 * (lse - cls[2])) / 5;
    assertEquals(ce, losses.classifier().item_double(), 1e-6);
    // Targets with weights (10, 10, 5, 5): P0 -> A (0, 1, 0, 5 log 1.2), P1 -> B (-1, 0, 5 log 1.2, 0), gt -> 0.
    double d = 5 * Math.log(1.2);
    double[][] targets = {{0, 1, 0, d}, {-1, 0, d, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}};
    int[] classOf = {2, 1, 2, 1};
    double sum = 0;
    for (int i = 0; i < 4; i++) {
      for (int k = 0; k < 4; k++) {
        sum += smoothL1(reg[4 * classOf[i] + k] - targets[i][k]);
      }
    }
    assertEquals(sum / 5, losses.boxReg().item_double(), 1e-6);
  }

  @Test
  void boxHeadWithoutGroundTruthSamplesOnlyBackground() {
    RoIHeads heads = new RoIHeads(new MultiScaleRoIAlign(7, 2), 2 * 49, 8, 3, RoIHeads.Config.DEFAULTS);
    RoIHeads.Samples s = heads.sample(List.of(boxes(0, 0, 10, 10, 5, 5, 20, 20)), List.of(boxes()),
        List.of(Tensors.fromLongs(new long[0], 0)), RoIHeads.Training.DEFAULTS, new Random(0));
    assertArrayEquals(new long[] {0, 0}, Tensors.toLongArray(s.labels()));
  }

  @Test
  void lossesDictOfTheLightModel() {
    FasterRCNN model = FasterRCNN.light(FasterRCNN.LIGHT_SHAPES, RegionProposalNetwork.Objectness.SIGMOID);
    model.train();
    Tensor image = Tensors.fromFloats(new float[3 * 64 * 96], 3, 64, 96).add(new Scalar(0.5));
    FasterRCNN.Target t = new FasterRCNN.Target(boxes(10, 10, 40, 30), Tensors.fromLongs(new long[] {3}, 1));
    Map<String, Tensor> losses = model.losses(List.of(image), List.of(t), FasterRCNN.LIGHT_TRAINING, new Random(0));
    assertEquals(FasterRCNN.LOSS_NAMES, List.copyOf(losses.keySet()));
    for (Tensor l : losses.values()) {
      assertEquals(0, l.dim());
      assertTrue(Double.isFinite(l.item_double()) && l.item_double() >= 0);
    }
    // Untrained: about log(7) for the 7-way classifier, log(2) for objectness.
    assertEquals(Math.log(7), losses.get("loss_classifier").item_double(), 0.7);
    assertThrows(IllegalArgumentException.class,
        () -> model.losses(List.of(image), List.of(), FasterRCNN.LIGHT_TRAINING, new Random(0)));
  }

  /**
   * The FPN on EfficientNet-B0's last four feature maps (24, 40, 112 and 1280 channels at strides
   * 4 to 32): the training losses backpropagate into the backbone, and it detects in eval mode.
   */
  @Test
  void fpnOnEfficientNetTrainsAndDetects() {
    FasterRCNN model = FasterRCNN.fpn(FasterRCNN.LIGHT_SHAPES.withSizes(96, 96),
        Models.create("efficientnet_b0", ModelOptions.defaults().featuresOnly()));
    Map<String, Tensor> state = model.stateDict();
    long[] lateral = {24, 40, 112, 1280};
    for (int i = 0; i < lateral.length; i++) {
      assertArrayEquals(new long[] {256, lateral[i], 1, 1},
          Tensors.shape(state.get("backbone.fpn.inner_blocks." + i + ".0.weight")));
    }
    Tensor stem = state.get("backbone.body.features.0.0.weight");
    try (Scope s = Scope.open()) {
      model.train();
      Tensor image = org.bytedeco.pytorch.global.torch.rand(new long[] {3, 96, 80});
      FasterRCNN.Target t = new FasterRCNN.Target(boxes(10, 10, 60, 50), Tensors.fromLongs(new long[] {2}, 1));
      Tensor loss = null;
      for (Tensor l : model.losses(List.of(image, image), List.of(t, t), FasterRCNN.LIGHT_TRAINING, new Random(0))
          .values()) {
        loss = loss == null ? l : loss.add(l);
      }
      assertTrue(Double.isFinite(loss.item_double()));
      loss.backward();
      assertTrue(stem.grad().defined() && Tensors.maxAbs(stem.grad()) > 0, "no gradient at the backbone's stem");
      model.eval();
      try (NoGradGuard g = new NoGradGuard()) {
        assertEquals(1, model.detect(List.of(image)).size());
      }
    }
  }

  @Test
  void aFewTrainingStepsReduceTheLosses() {
    FasterRCNN model = FasterRCNN.light(FasterRCNN.LIGHT_SHAPES.withSizes(96, 96), RegionProposalNetwork.Objectness.SOFTMAX);
    var data = io.nets4j.data.ShapesDataset.scenes(2, 96, 3).detection();
    TorchOptimizer optimizer = OptimizerSpec.adamw(1e-3).build(model);
    Random rng = new Random(0);
    model.train();
    double[] total = new double[15];
    for (int step = 0; step < total.length; step++) {
      try (Scope s = Scope.open()) {
        List<Tensor> images = new java.util.ArrayList<>();
        List<FasterRCNN.Target> targets = new java.util.ArrayList<>();
        for (int i = 0; i < data.size(); i++) {
          var sample = data.get(i);
          images.add(Tensors.fromFloats(sample.image().data(), 3, 96, 96));
          float[] b = new float[4 * sample.boxes().size()];
          for (int k = 0; k < sample.boxes().size(); k++) {
            var box = sample.boxes().get(k);
            System.arraycopy(new float[] {box.x1(), box.y1(), box.x2(), box.y2()}, 0, b, 4 * k, 4);
          }
          long[] labels = java.util.Arrays.stream(sample.labels()).asLongStream().toArray();
          targets.add(new FasterRCNN.Target(boxes(b), Tensors.fromLongs(labels, labels.length)));
        }
        Tensor loss = null;
        for (Tensor l : model.losses(images, targets, FasterRCNN.LIGHT_TRAINING, rng).values()) {
          loss = loss == null ? l : loss.add(l);
        }
        total[step] = loss.item_double();
        optimizer.zeroGrad();
        loss.backward();
        optimizer.step();
      }
    }
    double first = (total[0] + total[1] + total[2]) / 3;
    double last = (total[12] + total[13] + total[14]) / 3;
    assertTrue(last < 0.7 * first, "loss did not fall: first steps " + first + ", last steps " + last);
  }

  private static org.bytedeco.pytorch.global.torch.ScalarType torchFloat() {
    return org.bytedeco.pytorch.global.torch.ScalarType.Float;
  }

  private static double softplus(double x) {
    return Math.log1p(Math.exp(x));
  }

  private static double smoothL1(double x) {
    double a = Math.abs(x);
    return a < BETA ? 0.5 * a * a / BETA : a - 0.5 * BETA;
  }
}
