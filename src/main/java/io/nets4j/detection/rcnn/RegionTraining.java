package io.nets4j.detection.rcnn;

import io.nets4j.data.Box;
import io.nets4j.data.DetectionSample;
import io.nets4j.data.Image;
import io.nets4j.detection.Detections;
import io.nets4j.detection.eval.DetectionEvaluator;
import io.nets4j.detection.eval.DetectionMetrics;
import io.nets4j.nn.Module;
import io.nets4j.tensor.Device;
import io.nets4j.tensor.Scope;
import io.nets4j.train.LrSchedule;
import io.nets4j.train.OptimizerSpec;
import io.nets4j.train.TrainingEngine;
import io.nets4j.train.TrainingRun;
import io.nets4j.train.TrainingTask;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;

/**
 * Training and evaluation of the {@link RegionDetector}s. Training is the papers' SGD (momentum
 * 0.9, weight decay 5e-4, learning rate divided by 10 for the last quarter of the steps); each step
 * draws {@link RegionDetector#imagesPerStep()} random images and from each a balanced sample of
 * {@link RegionDetector#regionsPerImage()} labelled regions ({@link RegionDetector#sampler()}), and
 * minimises classification + {@code lambda} x box regression ({@link RegionDetector#loss}).
 */
public final class RegionTraining {
  /**
   * @param steps SGD steps
   * @param lr initial learning rate
   * @param lambda weight of the box-regression loss (1 in Fast R-CNN)
   * @param seed seed of the image and region sampling
   */
  public record Config(int steps, double lr, double lambda, long seed) {
    public Config {
      if (steps < 1 || !(lr > 0) || !(lambda >= 0)) {
        throw new IllegalArgumentException("need steps >= 1, lr > 0, lambda >= 0, got " + steps + ", " + lr + ", " + lambda);
      }
    }
  }

  /** Losses of one step, and its learning rate. */
  public record Step(int step, double classification, double regression, double lr) {
    public double total(double lambda) {
      return classification + lambda * regression;
    }

    /** The two losses by name, as a {@link io.nets4j.detection.DetectionLoss} reports them. */
    public Map<String, Double> terms() {
      return RegionTraining.terms(classification, regression);
    }
  }

  /** Loss terms {@code classification} and {@code regression}, in that order. */
  static Map<String, Double> terms(double classification, double regression) {
    Map<String, Double> terms = new LinkedHashMap<>();
    terms.put("classification", classification);
    terms.put("regression", regression);
    return terms;
  }

  /** Receives every step's losses. */
  public interface Listener {
    void step(Step step);
  }

  /** Images with their selective-search proposals. */
  public record Data(List<DetectionSample> samples, List<List<Box>> proposals) {
    public Data {
      if (samples.size() != proposals.size()) {
        throw new IllegalArgumentException(samples.size() + " samples but " + proposals.size() + " proposal lists");
      }
      samples = List.copyOf(samples);
      proposals = List.copyOf(proposals);
    }

    /** Runs {@code detector}'s selective search on every sample. */
    public static Data propose(RegionDetector detector, List<DetectionSample> samples) {
      List<List<Box>> proposals = new ArrayList<>();
      for (DetectionSample s : samples) {
        proposals.add(detector.propose(s.image()));
      }
      return new Data(samples, proposals);
    }
  }

  private static final double MOMENTUM = 0.9;
  private static final double WEIGHT_DECAY = 5e-4;
  private static final double LR_DROP_AT = 0.75;

  private RegionTraining() {
  }

  /** Trains {@code detector} from its current weights; returns each step's losses. */
  public static List<Step> train(RegionDetector detector, Data data, Config config, Listener listener) {
    return train(detector, data, config, listener, TrainingRun.quiet());
  }

  /**
   * Like {@link #train(RegionDetector, Data, Config, Listener)}, through the {@link TrainingEngine}
   * with {@code run}'s logs, checkpoints, resuming, progress, device and numerics; returns the
   * losses of the steps run in this call.
   */
  public static List<Step> train(RegionDetector detector, Data data, Config config, Listener listener,
      TrainingRun run) {
    if (data.samples().isEmpty()) {
      throw new IllegalArgumentException("no training images");
    }
    RegionSampler sampler = detector.sampler();
    List<RegionSampler.Labelled> labelled = new ArrayList<>();
    for (int i = 0; i < data.samples().size(); i++) {
      DetectionSample s = data.samples().get(i);
      labelled.add(sampler.label(data.proposals().get(i), s.boxes(), s.labels()));
    }
    OptimizerSpec sgd = OptimizerSpec.sgd(config.lr()).withMomentum(MOMENTUM).withWeightDecay(WEIGHT_DECAY)
        .withDecayNormAndBias(true);
    LrSchedule schedule = LrSchedule.step((long) Math.ceil(LR_DROP_AT * config.steps()), 0.1);
    TrainingEngine.Recipe recipe = new TrainingEngine.Recipe(config.steps(), sgd, schedule, config.seed(),
        TrainingEngine.Numerics.DEFAULT);
    List<Step> steps = new ArrayList<>();
    new TrainingEngine(new Task(detector, data, labelled, config), recipe, run).run(s -> {
      Step record = new Step((int) s.step(), s.terms().getOrDefault("classification", Double.NaN),
          s.terms().getOrDefault("regression", Double.NaN), s.lr());
      steps.add(record);
      listener.step(record);
      return true;
    });
    return steps;
  }

  /** A step's images, their labelled proposals, and the generator that samples regions from them. */
  private record Batch(List<DetectionSample> images, List<RegionSampler.Labelled> regions, SplittableRandom rng) {}

  /** The papers' image and region sampling and loss, for the {@link TrainingEngine}. */
  private record Task(RegionDetector detector, Data data, List<RegionSampler.Labelled> labelled, Config config)
      implements TrainingTask<Batch> {
    @Override
    public Module model() {
      return detector;
    }

    @Override
    public String name() {
      return detector.typeName();
    }

    @Override
    public Batch batch(long step, long stepSeed) {
      SplittableRandom rng = new SplittableRandom(stepSeed);
      List<DetectionSample> images = new ArrayList<>();
      List<RegionSampler.Labelled> regions = new ArrayList<>();
      for (int k = 0; k < detector.imagesPerStep(); k++) {
        int i = rng.nextInt(data.samples().size());
        images.add(data.samples().get(i));
        regions.add(labelled.get(i));
      }
      return new Batch(images, regions, rng);
    }

    @Override
    public TrainingTask.Loss loss(Batch batch, Device device) {
      Tensor[] losses = sampledLoss(detector, batch.images(), batch.regions(), batch.rng());
      Tensor total = losses[0].add(losses[1].mul(new Scalar(config.lambda())));
      return new TrainingTask.Loss(total, terms(losses[0].item_double(), losses[1].item_double()));
    }
  }

  /**
   * The loss {@code [classification, regression]} ({@link RegionDetector#loss}) of a balanced sample
   * of {@link RegionDetector#regionsPerImage()} regions from each image, drawn from its labelled
   * proposals by {@link RegionDetector#sampler()}.
   */
  static Tensor[] sampledLoss(RegionDetector detector, List<DetectionSample> samples,
      List<RegionSampler.Labelled> labelled, SplittableRandom rng) {
    RegionSampler sampler = detector.sampler();
    List<Image> images = new ArrayList<>();
    List<Tensor> regions = new ArrayList<>();
    List<Tensor> labels = new ArrayList<>();
    List<Tensor> targets = new ArrayList<>();
    List<Tensor> regress = new ArrayList<>();
    for (int i = 0; i < samples.size(); i++) {
      RegionSampler.Labelled l = labelled.get(i);
      int[] picked = sampler.sample(l.labels(), detector.regionsPerImage(), rng);
      if (picked.length == 0) {
        continue;
      }
      DetectionSample sample = samples.get(i);
      List<Box> boxes = new ArrayList<>();
      List<Box> gt = new ArrayList<>();
      long[] lab = new long[picked.length];
      float[] reg = new float[picked.length];
      for (int j = 0; j < picked.length; j++) {
        int r = picked[j];
        Box box = l.boxes().get(r);
        boxes.add(box);
        // Background regions get themselves as targets (zero deltas); their regression is masked.
        gt.add(l.matched()[r] >= 0 ? sample.boxes().get(l.matched()[r]) : box);
        lab[j] = l.labels()[r];
        reg[j] = l.labels()[r] > 0 && l.maxIou()[r] >= sampler.regressionIou() ? 1 : 0;
      }
      Tensor boxTensor = detector.boxTensor(boxes);
      images.add(sample.image());
      regions.add(boxTensor);
      labels.add(Tensors.fromLongs(lab));
      targets.add(detector.encode(detector.boxTensor(gt), boxTensor));
      regress.add(Tensors.fromFloats(reg, reg.length));
    }
    if (images.isEmpty()) {
      throw new IllegalArgumentException("none of the " + samples.size() + " images has a region to train on "
          + "(no proposals and no ground-truth boxes)");
    }
    return detector.loss(detector.images(images), regions, detector.onDevice(cat(labels)), cat(targets),
        detector.onDevice(cat(regress)));
  }

  private static Tensor cat(List<Tensor> parts) {
    return Tensors.cat(parts, 0);
  }

  /**
   * An evaluation: COCO-style metrics and the mean seconds per image spent in selective search
   * and in the detector (CNN, pooling or warping, post-processing).
   */
  public record Evaluation(DetectionMetrics metrics, double proposalSeconds, double detectSeconds, double proposals) {}

  /** Runs {@code detector} (selective search included) on every sample and scores it. */
  public static Evaluation evaluate(RegionDetector detector, List<DetectionSample> samples) {
    DetectionEvaluator evaluator = new DetectionEvaluator();
    long proposeNanos = 0;
    long detectNanos = 0;
    long proposals = 0;
    for (DetectionSample s : samples) {
      try (Scope scope = Scope.open()) {
        long t0 = System.nanoTime();
        List<Box> boxes = detector.propose(s.image());
        long t1 = System.nanoTime();
        Detections d = detector.detect(s.image(), boxes);
        long t2 = System.nanoTime();
        proposeNanos += t1 - t0;
        detectNanos += t2 - t1;
        proposals += boxes.size();
        evaluator.add(d, s.boxes(), s.labels());
      }
    }
    int n = Math.max(1, samples.size());
    return new Evaluation(evaluator.result(), proposeNanos / 1e9 / n, detectNanos / 1e9 / n, (double) proposals / n);
  }
}
