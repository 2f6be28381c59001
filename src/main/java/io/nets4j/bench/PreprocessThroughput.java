package io.nets4j.bench;

import io.nets4j.data.ImageClassificationTransforms;
import io.nets4j.data.ImageDecoder;
import io.nets4j.data.Interpolation;
import io.nets4j.data.RgbImage;
import io.nets4j.models.Models;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Whether preprocessing keeps up with the model: one image decoded and preprocessed as
 * torchvision's evaluation preset does ({@link ImageClassificationTransforms#apply}: decode,
 * resize, centre crop, normalise to float32; no tensor), timed on one thread and as throughput on
 * {@code threads} threads, next to the model's own forward pass ({@link Benchmark#run}). The preset
 * is torchvision's usual one for the model's input size: crop at that size, resize to
 * {@code round(crop / 0.875)} (256 for 224), bilinear.
 *
 * @param image the image file
 * @param size the image's width x height
 * @param transforms the preprocessing
 * @param perImageMs one thread: milliseconds per image
 * @param threads threads of the throughput measurement
 * @param images images preprocessed in the throughput measurement
 * @param imagesPerSecond throughput on {@code threads} threads
 * @param model the model's benchmark (forward latency at batch 1, throughput at its batch)
 */
public record PreprocessThroughput(Path image, String size, ImageClassificationTransforms transforms,
    Stats perImageMs, int threads, int images, double imagesPerSecond, BenchResult model) {

  /** Times preprocessing of {@code image} for the model of {@code o} on {@code threads} threads, then the model. */
  public static PreprocessThroughput run(BenchOptions o, Path image, int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("--workers must be >= 1 for --preprocess, got " + threads);
    }
    int crop = o.inputSize() > 0 ? o.inputSize() : Models.info(o.model()).inputSize();
    ImageClassificationTransforms t = ImageClassificationTransforms.imagenet((int) Math.round(crop / 0.875), crop,
        Interpolation.BILINEAR);
    RgbImage first = ImageDecoder.read(image);
    double[] ms = new double[o.iters()];
    for (int i = -o.warmup(); i < o.iters(); i++) {
      long t0 = System.nanoTime();
      t.apply(ImageDecoder.read(image));
      if (i >= 0) {
        ms[i] = (System.nanoTime() - t0) / 1e6;
      }
    }
    int images = threads * o.iters();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    long wall;
    try {
      parallel(pool, t, image, threads); // warm-up: every thread compiled and running
      long t0 = System.nanoTime();
      parallel(pool, t, image, images);
      wall = System.nanoTime() - t0;
    } finally {
      pool.shutdownNow();
    }
    BenchResult model = Benchmark.run(o);
    return new PreprocessThroughput(image, first.width() + "x" + first.height(), t, Stats.of(ms), threads, images,
        images / (wall / 1e9), model);
  }

  private static void parallel(ExecutorService pool, ImageClassificationTransforms t, Path image, int n) {
    List<Future<float[]>> done = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      done.add(pool.submit(() -> t.apply(ImageDecoder.read(image))));
    }
    try {
      for (Future<float[]> f : done) {
        f.get();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
    }
  }

  public String text() {
    double forward = model.latencyMs().median();
    return String.format(Locale.ROOT, "preprocessing %s (%s) for %s: %s%n"
            + "  one thread      %8.2f ms/image (p10 %.2f, p90 %.2f) = %.1f images/s%n"
            + "  %d threads       %8.1f images/s (%d images)%n"
            + "  %s forward     %8.2f ms at batch 1 = %.1f images/s; %.1f images/s at batch %d (%d libtorch threads)%n"
            + "  preprocessing on %d threads keeps up with %.1f batch-%d forward streams%n",
        image, size, model.options().model(), transforms, perImageMs.median(), perImageMs.p10(), perImageMs.p90(),
        1000 / perImageMs.median(), threads, imagesPerSecond, images, model.options().model(), forward,
        1000 / forward, model.throughput().median(), model.options().batch(), model.numThreads(), threads,
        imagesPerSecond / model.throughput().median(), model.options().batch());
  }
}
