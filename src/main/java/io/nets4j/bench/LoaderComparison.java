package io.nets4j.bench;

import io.nets4j.models.ImageClassifier;
import io.nets4j.models.ModelOptions;
import io.nets4j.models.Models;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.train.BatchStream;
import io.nets4j.train.DataSpec;
import io.nets4j.train.LabeledBatch;
import io.nets4j.train.TorchOptimizer;
import java.util.Locale;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Whether the data loader keeps the model fed: the same training steps timed twice, first on
 * batches taken from the trainer's loader (its worker threads, shuffling and training transforms,
 * collation into tensors inside the timed step, as in {@link io.nets4j.train.Trainer}), then on
 * one batch of the same loader held in memory. The two runs are sequential blocks, not
 * interleaved: between two loader steps the workers get exactly one step's time, as in training.
 * The target is a ratio within 1.05.
 *
 * @param data the data set
 * @param input the input of one sample ({@code 1x28x28})
 * @param workers loader worker threads
 * @param loaderMs step times with the loader (ms)
 * @param preloadedMs step times on the held batch (ms)
 * @param loadMs the time to load, transform and collate one batch on the calling thread alone (no
 *     training, no workers): the CPU time per batch that the workers take from the training step
 * @param options the model, batch, optimizer and iterations
 */
public record LoaderComparison(String data, String input, int workers, Stats loaderMs, Stats preloadedMs,
    Stats loadMs, BenchOptions options) {

  /** The median step time with the loader over the one on a held batch. */
  public double ratio() {
    return loaderMs.median() / preloadedMs.median();
  }

  /** Runs the comparison for the model, batch and optimizer of {@code o}, on {@code data}, with {@code workers}. */
  public static LoaderComparison run(BenchOptions o, DataSpec data, int workers) {
    Benchmark.setUp(o);
    DataSpec.Opened opened = data.open(new DataSpec.Options(o.inputSize(), 0, 0, 0.1, 0));
    ImageClassifier model = Models.create(o.model(), ModelOptions.defaults()
        .withNumClasses(opened.classes().size()).withInChannels(opened.channels()));
    Workload w = new Workload.Image(o.model(), model, opened.imageSize());
    model.train();
    TorchOptimizer optimizer = o.optimizerSpec().build(model);
    boolean bf16 = o.dtype() == DType.BFLOAT16;
    int steps = o.warmup() + o.iters();
    var source = opened.trainBatches(o.batch(), workers, 0, 0, 0);
    if (source.batchesPerEpoch() < steps) {
      throw new IllegalArgumentException(data + " has " + source.batchesPerEpoch() + " batches of " + o.batch()
          + ", fewer than the " + steps + " warm-up and timed steps");
    }
    double[] withLoader;
    LabeledBatch held;
    try (BatchStream batches = source.open(0, 0)) {
      try (Scope s = Scope.open()) {
        LabeledBatch first = batches.next();
        held = new LabeledBatch(s.keep(first.images()), s.keep(first.labels()));
      }
      withLoader = Benchmark.timeSteps(o.warmup(), o.iters(), () -> {
        LabeledBatch b = batches.next();
        Benchmark.trainStep(w, optimizer, b.images(), b.labels(), bf16);
      });
    }
    double[] preloaded = Benchmark.timeSteps(o.warmup(), o.iters(),
        () -> Benchmark.trainStep(w, optimizer, held.images(), held.labels(), bf16));
    double[] load = new double[o.iters()];
    try (BatchStream batches = opened.trainBatches(o.batch(), 0, 0, 0, 0).open(1, 0)) {
      for (int i = 0; i < o.iters(); i++) {
        try (Scope s = Scope.open()) {
          long t0 = System.nanoTime();
          batches.next();
          load[i] = (System.nanoTime() - t0) / 1e6;
        }
      }
    }
    String input = opened.channels() + "x" + opened.imageSize() + "x" + opened.imageSize();
    return new LoaderComparison(data.toString(), input, workers, Stats.of(withLoader), Stats.of(preloaded),
        Stats.of(load), o);
  }

  public String text() {
    return String.format(Locale.ROOT, "%s on %s (%s), batch %d, %s, %d loader workers, %d threads%n"
            + "  %d warm-up + %d timed steps each, median (p10, p90)%n"
            + "  steps fed by the loader     %9.2f ms  (%.2f, %.2f)%n"
            + "  steps on a held batch       %9.2f ms  (%.2f, %.2f)%n"
            + "  ratio %.3f (target: at most 1.05)%n"
            + "  one batch loaded alone      %9.2f ms  (%.2f, %.2f) on one thread, no training%n",
        options.model(), data, input, options.batch(), options.optimizerSpec().describe(), workers,
        torch.get_num_threads(), options.warmup(), options.iters(), loaderMs.median(), loaderMs.p10(), loaderMs.p90(),
        preloadedMs.median(), preloadedMs.p10(), preloadedMs.p90(), ratio(), loadMs.median(), loadMs.p10(),
        loadMs.p90());
  }
}
