package io.nets4j.detection;

import io.nets4j.data.Box;
import io.nets4j.data.Dataset;
import io.nets4j.data.DetectionSample;
import io.nets4j.data.Image;
import io.nets4j.data.Transforms;
import io.nets4j.detection.eval.DetectionEvaluator;
import io.nets4j.detection.eval.DetectionMetrics;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import io.nets4j.train.LrSchedule;
import io.nets4j.train.OptimizerSpec;
import io.nets4j.train.TorchOptimizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
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
    if (data.size() == 0) {
      throw new IllegalArgumentException("cannot train a detector on an empty data set");
    }
    TorchOptimizer optimizer = options.optimizer().build(detector.module());
    LrSchedule schedule = LrSchedule.cosine(Math.max(1, options.steps() - options.warmupSteps()), 0.01)
        .afterWarmup(options.warmupSteps(), 0.01);
    SplittableRandom rng = new SplittableRandom(options.seed());
    double[] losses = new double[options.steps()];
    detector.module().train();
    // The next batch is generated (data sets like the shapes scenes render on demand) while this one trains.
    ExecutorService loader = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "detector-batches");
      t.setDaemon(true);
      return t;
    });
    try {
      Future<List<DetectionSample>> next = loader.submit(batchTask(data, options, rng));
      for (int step = 0; step < options.steps(); step++) {
        List<DetectionSample> batch = get(next);
        if (step + 1 < options.steps()) {
          next = loader.submit(batchTask(data, options, rng));
        }
        double lr = options.optimizer().lr() * schedule.factor(step);
        try (Scope s = Scope.open()) {
          optimizer.setLr(lr);
          DetectionLoss loss = detector.loss(batch);
          double value = loss.total().item_double();
          if (!Double.isFinite(value)) {
            throw new IllegalStateException("detector loss is " + value + " at step " + (step + 1) + " "
                + loss.terms() + " (lower the learning rate)");
          }
          optimizer.zeroGrad();
          loss.total().backward();
          if (options.clipNorm() > 0) {
            optimizer.clipGradNorm(options.clipNorm());
          }
          optimizer.step();
          losses[step] = value;
          listener.onStep(new Step(step + 1, value, loss.terms(), lr));
        }
      }
    } finally {
      loader.shutdownNow();
    }
    detector.module().eval();
    return losses;
  }

  /** The samples of one batch, drawn now (so the order depends only on the seed) and built later. */
  private static Callable<List<DetectionSample>> batchTask(Dataset<DetectionSample> data, Options options,
      SplittableRandom rng) {
    int[] indices = new int[options.batch()];
    boolean[] flips = new boolean[options.batch()];
    for (int i = 0; i < indices.length; i++) {
      indices[i] = rng.nextInt(data.size());
      flips[i] = options.flip() && rng.nextBoolean();
    }
    return () -> {
      List<DetectionSample> batch = new ArrayList<>(indices.length);
      for (int i = 0; i < indices.length; i++) {
        DetectionSample s = data.get(indices[i]);
        batch.add(flips[i] ? flip(s) : s);
      }
      return batch;
    };
  }

  private static List<DetectionSample> get(Future<List<DetectionSample>> batch) {
    try {
      return batch.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      throw cause instanceof RuntimeException r ? r : new IllegalStateException("loading a batch failed: " + cause, cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while loading a batch", e);
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
