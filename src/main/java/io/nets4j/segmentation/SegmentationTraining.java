package io.nets4j.segmentation;

import io.nets4j.data.Dataset;
import io.nets4j.data.Image;
import io.nets4j.data.SegmentationSample;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import io.nets4j.tensor.Device;
import io.nets4j.train.LrSchedule;
import io.nets4j.train.OptimizerSpec;
import io.nets4j.train.TrainingEngine;
import io.nets4j.train.TrainingRun;
import io.nets4j.train.TrainingTask;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Training and evaluation of segmentation models on {@link SegmentationSample} data sets: batching,
 * the per-pixel cross-entropy that skips {@link SegmentationMetrics#IGNORE} pixels (with the
 * auxiliary map, when present, weighted 0.5 as in torchvision's reference recipe), by default SGD
 * with momentum 0.9 and weight decay 5e-4 as in Long et al. 2015.
 */
public final class SegmentationTraining {
  private static final double AUX_WEIGHT = 0.5;

  private SegmentationTraining() {}

  /** Images {@code [N, C, H, W]} of samples of one size. */
  public static Tensor images(List<SegmentationSample> samples) {
    Image first = samples.get(0).image();
    int plane = first.channels() * first.height() * first.width();
    float[] data = new float[samples.size() * plane];
    for (int i = 0; i < samples.size(); i++) {
      Image im = samples.get(i).image();
      if (im.channels() != first.channels() || im.height() != first.height() || im.width() != first.width()) {
        throw new IllegalArgumentException("sample " + i + " is " + im.channels() + "x" + im.height() + "x" + im.width()
            + ", sample 0 is " + first.channels() + "x" + first.height() + "x" + first.width()
            + " (a batch needs one size)");
      }
      System.arraycopy(im.data(), 0, data, i * plane, plane);
    }
    return Tensors.fromFloats(data, samples.size(), first.channels(), first.height(), first.width());
  }

  /** Class labels {@code [N, H, W]} (int64) of samples of one size. */
  public static Tensor masks(List<SegmentationSample> samples) {
    Image first = samples.get(0).image();
    int plane = first.height() * first.width();
    long[] data = new long[samples.size() * plane];
    for (int i = 0; i < samples.size(); i++) {
      int[] mask = samples.get(i).mask();
      if (mask.length != plane) {
        throw new IllegalArgumentException("sample " + i + " has a mask of " + mask.length + " pixels, sample 0 "
            + plane + " (a batch needs one size)");
      }
      for (int p = 0; p < plane; p++) {
        data[i * plane + p] = mask[p];
      }
    }
    return Tensors.fromLongs(data, samples.size(), first.height(), first.width());
  }

  /** Mean cross-entropy over the non-ignored pixels of {@code out}, plus 0.5 times that of {@code aux}. */
  public static Tensor loss(Map<String, Tensor> outputs, Tensor target) {
    Tensor loss = pixelCrossEntropy(outputs.get(SegmentationModel.OUT), target);
    Tensor aux = outputs.get(SegmentationModel.AUX);
    return aux == null ? loss : loss.add(pixelCrossEntropy(aux, target).mul(new Scalar(AUX_WEIGHT)));
  }

  private static Tensor pixelCrossEntropy(Tensor scores, Tensor target) {
    return torch.cross_entropy_loss(scores, target, new TensorOptional(), 1, SegmentationMetrics.IGNORE, 0);
  }

  /**
   * How {@link #train(SegmentationModel, Dataset, Settings, StepListener)} trains.
   *
   * @param steps optimizer steps
   * @param batch inputs per step
   * @param mosaic each input is a {@code mosaic x mosaic} grid of random samples (1: one sample).
   *     FCN-VGG pads its input by 100 pixels, so on small images most of the computation is spent
   *     on padding; tiling several scenes into one input (a fixed-grid variant of the mosaic
   *     augmentation of Bochkovskiy et al. 2020, "YOLOv4") shares that cost among them
   * @param optimizer the optimizer over the trainable parameters
   * @param schedule the learning-rate factor of each step
   * @param seed seed of the sample order
   */
  public record Settings(int steps, int batch, int mosaic, OptimizerSpec optimizer, LrSchedule schedule, long seed) {
    public Settings {
      if (steps < 1 || batch < 1 || mosaic < 1) {
        throw new IllegalArgumentException("steps, batch and mosaic must be positive, got " + steps + ", " + batch
            + " and " + mosaic);
      }
    }

    /** Long et al. 2015's optimizer: SGD with momentum 0.9 and weight decay 5e-4 on every parameter, constant rate. */
    public static Settings paper(int steps, int batch, double lr, long seed) {
      return new Settings(steps, batch, 1, OptimizerSpec.sgd(lr).withWeightDecay(5e-4).withDecayNormAndBias(true),
          LrSchedule.constant(), seed);
    }
  }

  /** Called after every training step; returning {@code false} stops the training there. */
  @FunctionalInterface
  public interface StepListener {
    boolean afterStep(int step, double loss);
  }

  /**
   * Trains {@code model} for {@code steps} SGD steps on random batches of {@code data} with
   * {@link Settings#paper} and calls {@code progress} with each step's number; returns the loss of
   * every step.
   */
  public static double[] train(SegmentationModel model, Dataset<SegmentationSample> data, int steps, int batch,
      double lr, long seed, IntConsumer progress) {
    return train(model, data, Settings.paper(steps, batch, lr, seed), (step, loss) -> {
      progress.accept(step);
      return true;
    });
  }

  /**
   * Trains {@code model} on random batches of {@code data} (frozen parameters stay as they are)
   * until {@code settings.steps()} steps are done or {@code listener} returns {@code false}; returns
   * the loss of every step done. The model is left in eval mode.
   */
  public static double[] train(SegmentationModel model, Dataset<SegmentationSample> data, Settings settings,
      StepListener listener) {
    return train(model, data, settings, listener, TrainingRun.quiet()).losses();
  }

  /**
   * Like {@link #train(SegmentationModel, Dataset, Settings, StepListener)}, through the
   * {@link TrainingEngine} with {@code run}'s logs, checkpoints, resuming, progress, device and
   * numerics.
   */
  public static TrainingEngine.Result train(SegmentationModel model, Dataset<SegmentationSample> data,
      Settings settings, StepListener listener, TrainingRun run) {
    if (data.size() == 0) {
      throw new IllegalArgumentException("cannot train a segmentation model on an empty data set");
    }
    TrainingEngine.Recipe recipe = new TrainingEngine.Recipe(settings.steps(), settings.optimizer(),
        settings.schedule(), settings.seed(), TrainingEngine.Numerics.DEFAULT);
    return new TrainingEngine(new Task(model, data, settings), recipe, run)
        .run(s -> listener.afterStep((int) s.step(), s.loss()));
  }

  /** Random batches of mosaics and the per-pixel loss, for the {@link TrainingEngine}. */
  private record Task(SegmentationModel model, Dataset<SegmentationSample> data, Settings settings)
      implements TrainingTask<List<SegmentationSample>> {
    @Override
    public String name() {
      return model.typeName();
    }

    @Override
    public List<SegmentationSample> batch(long step, long stepSeed) {
      int perInput = settings.mosaic() * settings.mosaic();
      return new SplittableRandom(stepSeed).ints((long) settings.batch() * perInput, 0, data.size())
          .mapToObj(data::get).toList();
    }

    @Override
    public TrainingTask.Loss loss(List<SegmentationSample> samples, Device device) {
      return TrainingTask.Loss.of(SegmentationTraining.loss(model.forwardOutputs(mosaic(device.put(images(samples)), settings.mosaic())),
          mosaic(device.put(masks(samples)), settings.mosaic())));
    }
  }

  /**
   * Tiles consecutive groups of {@code k * k} maps of {@code [N, ..., H, W]} (images with channels,
   * or masks without) row by row into {@code [N / k^2, ..., kH, kW]}.
   */
  static Tensor mosaic(Tensor maps, int k) {
    if (k == 1) {
      return maps;
    }
    long[] shape = Tensors.shape(maps);
    int d = shape.length;
    long h = shape[d - 2];
    long w = shape[d - 1];
    long n = shape[0] / ((long) k * k);
    // [n, k, k, C..., H, W] -> [n, C..., k, H, k, W]: each grid row's maps side by side
    long[] split = new long[d + 2];
    split[0] = n;
    split[1] = k;
    split[2] = k;
    System.arraycopy(shape, 1, split, 3, d - 1);
    long[] order = new long[d + 2];
    int o = 0;
    order[o++] = 0;
    for (int c = 3; c < d; c++) {
      order[o++] = c;
    }
    order[o++] = 1;
    order[o++] = d;
    order[o++] = 2;
    order[o] = d + 1;
    long[] out = new long[d];
    out[0] = n;
    System.arraycopy(shape, 1, out, 1, d - 3);
    out[d - 2] = k * h;
    out[d - 1] = k * w;
    return maps.view(split).permute(order).reshape(out);
  }

  /** Accumulates {@code model}'s predictions on {@code data} (eval mode, in batches of {@code batch}). */
  public static SegmentationMetrics evaluate(SegmentationModel model, Dataset<SegmentationSample> data, int batch) {
    SegmentationMetrics metrics = new SegmentationMetrics(model.numClasses());
    model.eval();
    try (NoGradGuard g = new NoGradGuard()) {
      for (int start = 0; start < data.size(); start += batch) {
        try (Scope s = Scope.open()) {
          List<SegmentationSample> samples = java.util.stream.IntStream.range(start, Math.min(data.size(), start + batch))
              .mapToObj(data::get).toList();
          metrics.update(model.forward(images(samples)), masks(samples));
        }
      }
    }
    return metrics;
  }
}
