package io.nets4j.detection;

import io.nets4j.data.Box;
import io.nets4j.data.DetectionSample;
import io.nets4j.nn.Module;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * A {@link FasterRCNN} as a {@link Detector}, so that {@code nets4j detect}, {@link DetectorTraining}
 * and the evaluation can use it: the training loss is the sum of the four Faster R-CNN losses
 * (approximate joint training, Ren et al. 2015, sec. 3.2), with the anchor and proposal sampling
 * drawn from the detector's own seeded generator.
 */
public final class FasterRCNNDetector implements Detector {
  private final FasterRCNN model;
  private final FasterRCNN.TrainingConfig training;
  private final Random sampling;

  public FasterRCNNDetector(FasterRCNN model, FasterRCNN.TrainingConfig training, long seed) {
    this.model = model;
    this.training = training;
    this.sampling = new Random(seed);
  }

  /**
   * The light variant ({@link FasterRCNN#light}) for square images of {@code imageSize} and
   * {@code numClasses} object classes, with its training settings ({@link FasterRCNN#LIGHT_TRAINING}).
   */
  public static FasterRCNNDetector light(int numClasses, int imageSize) {
    FasterRCNN.Config c = FasterRCNN.LIGHT_SHAPES;
    FasterRCNN.Config config = new FasterRCNN.Config(numClasses + 1, imageSize, imageSize, c.rpn(), c.boxes());
    return new FasterRCNNDetector(FasterRCNN.light(config, RegionProposalNetwork.Objectness.SIGMOID),
        FasterRCNN.LIGHT_TRAINING, 0);
  }

  public FasterRCNN model() {
    return model;
  }

  @Override
  public List<Detections> detect(List<Tensor> images) {
    model.eval();
    try (NoGradGuard g = new NoGradGuard()) {
      return model.detect(images);
    }
  }

  @Override
  public DetectionLoss loss(List<DetectionSample> batch) {
    List<Tensor> images = new ArrayList<>();
    List<FasterRCNN.Target> targets = new ArrayList<>();
    for (DetectionSample s : batch) {
      images.add(DetectorTraining.tensor(s.image()));
      targets.add(target(s));
    }
    Map<String, Tensor> losses = model.losses(images, targets, training, sampling);
    Tensor total = null;
    Map<String, Double> terms = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : losses.entrySet()) {
      total = total == null ? e.getValue() : total.add(e.getValue());
      terms.put(e.getKey(), e.getValue().item_double());
    }
    return new DetectionLoss(total, terms);
  }

  @Override
  public void setScoreThreshold(double threshold) {
    RoIHeads.Config c = model.roiHeads().config();
    model.roiHeads().setConfig(new RoIHeads.Config(threshold, c.nmsThresh(), c.detectionsPerImage()));
  }

  @Override
  public int numClasses() {
    return model.config().numClasses() - 1;
  }

  @Override
  public Module module() {
    return model;
  }

  /** A sample's boxes {@code [K, 4]} and int64 labels {@code [K]}. */
  static FasterRCNN.Target target(DetectionSample sample) {
    float[] b = new float[4 * sample.boxes().size()];
    long[] l = new long[sample.labels().length];
    for (int k = 0; k < l.length; k++) {
      Box box = sample.boxes().get(k);
      b[4 * k] = box.x1();
      b[4 * k + 1] = box.y1();
      b[4 * k + 2] = box.x2();
      b[4 * k + 3] = box.y2();
      l[k] = sample.labels()[k];
    }
    return new FasterRCNN.Target(Tensors.fromFloats(b, l.length, 4), Tensors.fromLongs(l, l.length));
  }
}
