package io.nets4j.detection;

import io.nets4j.data.Box;
import io.nets4j.data.Dataset;
import io.nets4j.data.DetectionSample;
import io.nets4j.data.Image;
import io.nets4j.data.Transforms;
import io.nets4j.detection.eval.DetectionEvaluator;
import io.nets4j.detection.eval.DetectionMetrics;
import io.nets4j.nn.Module;
import io.nets4j.tensor.Device;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import io.nets4j.train.LrSchedule;
import io.nets4j.train.OptimizerSpec;
import io.nets4j.train.TrainingEngine;
import io.nets4j.train.TrainingRun;
import io.nets4j.train.TrainingTask;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.bytedeco.pytorch.Tensor;

/**
 * Trains any {@link Detector} on a {@link DetectionSample} data set (random batches, optional
 * horizontal flips, AdamW with a linear warm-up and cosine decay, gradient-norm clipping) and
 * evaluates it with {@link DetectionEvaluator}.
 */
public final class DetectorTraining {
  private DetectorTraining() {}

  /**
   * Training settings.
   *
   * @param steps optimizer steps
   * @param batch images per step
   * @param optimizer the optimizer and its base learning rate
   * @param warmupSteps linear warm-up from 1% of the rate (YOLO's paper warms up too, for stability)
   * @param clipNorm gradient-norm bound (0: none)
   * @param flip whether images are mirrored left-right with probability 0.5
   * @param seed seed of the batch order and the flips
   */
  public record Options(int steps, int batch, OptimizerSpec optimizer, int warmupSteps, double clipNorm, boolean flip,
      long seed) {
    public Options {
      if (steps < 1 || batch < 1 || warmupSteps < 0 || clipNorm < 0) {
        throw new IllegalArgumentException("invalid detector training: steps " + steps + ", batch " + batch
            + ", warm-up " + warmupSteps + ", clip " + clipNorm);
      }
    }

    /** AdamW (lr 1e-3, weight decay 5e-4 as YOLO's paper) with 5% warm-up, clipping at 10, flips. */
    public static Options defaults(int steps, int batch) {
      return new Options(steps, batch, OptimizerSpec.adamw(1e-3).withWeightDecay(5e-4), Math.max(1, steps / 20), 10,
          true, 0);
    }

    public Options withLr(double lr) {
      return new Options(steps, batch, optimizer.withLr(lr), warmupSteps, clipNorm, flip, seed);
    }

    public Options withSeed(long s) {
      return new Options(steps, batch, optimizer, warmupSteps, clipNorm, flip, s);
    }
  }

  /** What a step reports: its number (1-based), the loss and its terms, and the learning rate. */
  public record Step(int step, double loss, Map<String, Double> terms, double lr) {}

  /** Receives every step (for progress output and logs). */
  @FunctionalInterface
  public interface Listener {
    void onStep(Step step);
  }

  /** Trains {@code detector} on random batches of {@code data}; returns the loss of every step. */
  public static double[] train(Detector detector, Dataset<DetectionSample> data, Options options, Listener listener) {
    return train(detector, data, options, listener, TrainingRun.quiet()).losses();
  }

  /**
   * Like {@link #train(Detector, Dataset, Options, Listener)}, through the {@link TrainingEngine}
   * with {@code run}'s logs, checkpoints, resuming, progress, device and numerics (its clipping
   * replaces {@link Options#clipNorm}).
   */
  public static TrainingEngine.Result train(Detector detector, Dataset<DetectionSample> data, Options options,
      Listener listener, TrainingRun run) {
    if (data.size() == 0) {
      throw new IllegalArgumentException("cannot train a detector on an empty data set");
    }
    LrSchedule schedule = LrSchedule.cosine(Math.max(1, options.steps() - options.warmupSteps()), 0.01)
        .afterWarmup(options.warmupSteps(), 0.01);
    TrainingEngine.Recipe recipe = new TrainingEngine.Recipe(options.steps(), options.optimizer(), schedule,
        options.seed(), TrainingEngine.Numerics.clipping(options.clipNorm()));
    return new TrainingEngine(new Task(detector, data, options), recipe, run).run(s -> {
      listener.onStep(new Step((int) s.step(), s.loss(), s.terms(), s.lr()));
      return true;
    });
  }

  /**
   * Random batches (optionally flipped) and the detector's loss, for the {@link TrainingEngine};
   * the batches are rendered on the engine's loader thread while the previous step trains.
   */
  private record Task(Detector detector, Dataset<DetectionSample> data, Options options)
      implements TrainingTask<List<DetectionSample>> {
    @Override
    public Module model() {
      return detector.module();
    }

    @Override
    public String name() {
      return detector.module().typeName();
    }

    @Override
    public List<DetectionSample> batch(long step, long stepSeed) {
      SplittableRandom rng = new SplittableRandom(stepSeed);
      List<DetectionSample> batch = new ArrayList<>(options.batch());
      for (int i = 0; i < options.batch(); i++) {
        DetectionSample s = data.get(rng.nextInt(data.size()));
        batch.add(options.flip() && rng.nextBoolean() ? flip(s) : s);
      }
      return batch;
    }

    @Override
    public TrainingTask.Loss loss(List<DetectionSample> batch, Device device) {
      DetectionLoss loss = detector.loss(batch);
      return new TrainingTask.Loss(loss.total(), loss.terms());
    }
  }

  /** The sample mirrored left-right (image and boxes). */
  public static DetectionSample flip(DetectionSample s) {
    Image im = s.image();
    float[] out = new float[im.data().length];
    int w = im.width();
    for (int row = 0; row < im.channels() * im.height(); row++) {
      for (int x = 0; x < w; x++) {
        out[row * w + x] = im.data()[row * w + (w - 1 - x)];
      }
    }
    List<Box> boxes = new ArrayList<>();
    for (Box b : s.boxes()) {
      boxes.add(new Box(w - b.x2(), b.y1(), w - b.x1(), b.y2()));
    }
    return new DetectionSample(new Image(out, im.channels(), im.height(), w), boxes, s.labels());
  }

  /**
   * {@code data} with every image resized to {@code size x size} and its boxes scaled alike (the
   * detectors here train on square inputs of one size; IoU, and so the mAP, is unchanged by the
   * scaling).
   */
  public static Dataset<DetectionSample> resized(Dataset<DetectionSample> data, int size) {
    if (size < 1) {
      throw new IllegalArgumentException("image size must be positive, got " + size);
    }
    return data.map(s -> resized(s, size));
  }

  private static DetectionSample resized(DetectionSample s, int size) {
    Image im = s.image();
    if (im.height() == size && im.width() == size) {
      return s;
    }
    float sx = (float) size / im.width();
    float sy = (float) size / im.height();
    List<Box> boxes = new ArrayList<>();
    for (Box b : s.boxes()) {
      boxes.add(new Box(b.x1() * sx, b.y1() * sy, b.x2() * sx, b.y2() * sy));
    }
    return new DetectionSample(Transforms.resize(size, size).apply(im, null), boxes, s.labels());
  }

  /** COCO-style metrics of {@code detector} on {@code data}, detecting {@code batch} images at a time. */
  public static DetectionMetrics evaluate(Detector detector, Dataset<DetectionSample> data, int batch) {
    DetectionEvaluator evaluator = new DetectionEvaluator();
    for (int start = 0; start < data.size(); start += batch) {
      try (Scope s = Scope.open()) {
        List<DetectionSample> samples = IntStream.range(start, Math.min(data.size(), start + batch)).mapToObj(data::get)
            .toList();
        List<Tensor> images = samples.stream().map(DetectorTraining::tensor).toList();
        List<Detections> dets = detector.detect(images);
        for (int i = 0; i < samples.size(); i++) {
          evaluator.add(dets.get(i), samples.get(i).boxes(), samples.get(i).labels());
        }
      }
    }
    return evaluator.result();
  }

  /** An image as a tensor {@code [C, H, W]}. */
  public static Tensor tensor(Image im) {
    return Tensors.fromFloats(im.data(), im.channels(), im.height(), im.width());
  }

  private static Tensor tensor(DetectionSample s) {
    return tensor(s.image());
  }

  /** Loss terms as {@code name value} pairs for a log line. */
  public static String describe(Map<String, Double> terms) {
    Map<String, String> parts = new LinkedHashMap<>();
    terms.forEach((k, v) -> parts.put(k, String.format(java.util.Locale.ROOT, "%.4f", v)));
    return parts.toString();
  }
}
