package io.nets4j.experiments;

import io.nets4j.models.ImageClassifier;
import io.nets4j.models.ModelOptions;
import io.nets4j.models.Models;
import io.nets4j.tensor.Scope;
import io.nets4j.train.DataSpec;
import io.nets4j.train.EpochRecord;
import io.nets4j.train.OptimizerSpec;
import io.nets4j.train.ScheduleSpec;
import io.nets4j.train.TrainConfig;
import io.nets4j.train.TrainResult;
import io.nets4j.train.Trainer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains registered classifiers on Fashion-MNIST with one fixed recipe, one run per seed, through
 * {@link Trainer} (each run has its run directory with {@code metrics.jsonl}). The recipe is He et
 * al. 2016's for CIFAR (SGD, momentum 0.9, weight decay 1e-4, learning rate 0.1), with a cosine
 * schedule instead of the step schedule because the budget is a few epochs; it is fixed in advance,
 * so that nothing is chosen on the test split, which is evaluated after every epoch only to report it.
 */
public final class ClassifierRuns {
  private static final int CLASSES = 10;
  // one subset for every model and seed, so that the seeds vary initialisation and order, not the data
  private static final long DATA_SEED = 0;

  private ClassifierRuns() {}

  /** The recipe's schedule: cosine, from the full rate. */
  public static final ScheduleSpec COSINE = ScheduleSpec.cosine();

  /** The epoch histories of {@code model}, one per seed, trained with {@code schedule}. */
  public static List<List<EpochRecord>> train(ExperimentContext c, String model, ScheduleSpec schedule) {
    List<List<EpochRecord>> runs = new ArrayList<>();
    Budget b = c.budget();
    for (int seed = 0; seed < b.seeds(); seed++) {
      c.log().println("experiment: training " + model + ", seed " + seed + " (" + (seed + 1) + "/" + b.seeds() + ")");
      DataSpec.Opened data = DataSpec.parse("idx:" + c.data())
          .open(new DataSpec.Options(b.imageSize(), b.trainSize(), b.testSize(), 0.1, DATA_SEED));
      TrainConfig config = TrainConfig.builder(b.epochs())
          .optimizer(OptimizerSpec.sgd(0.1).withWeightDecay(1e-4)).schedule(schedule)
          .seed(seed).keepCheckpoints(1).build();
      try (Scope scope = Scope.open()) {
        ImageClassifier net = Models.create(model, ModelOptions.defaults().withNumClasses(CLASSES).withInChannels(1));
        TrainResult r = new Trainer(net, model, config).runDirectory(c.runsDir().resolve(model + "-seed" + seed))
            .classNames(data.classes()).normalization(data.mean(), data.std()).progress(c.progress())
            .output(c.log()).fit(data.trainBatches(b.batch(), 1, seed, 0, 0), data.validationBatches(256, 1));
        runs.add(r.history());
      }
    }
    return runs;
  }

  /** The training error (1 - running training accuracy) of the last epoch, per seed. */
  public static SeedStats finalTrainError(List<List<EpochRecord>> runs) {
    return SeedStats.of(runs.stream().mapToDouble(h -> 1 - last(h).trainAccuracy()).toArray());
  }

  /** The test error of the last epoch, per seed. */
  public static SeedStats finalTestError(List<List<EpochRecord>> runs) {
    return SeedStats.of(runs.stream().mapToDouble(h -> 1 - testTop1(last(h))).toArray());
  }

  /** The test accuracy of the last epoch, per seed. */
  public static SeedStats finalTestAccuracy(List<List<EpochRecord>> runs) {
    return SeedStats.of(runs.stream().mapToDouble(h -> testTop1(last(h))).toArray());
  }

  /** Per epoch, the mean over seeds of the training error ({@code test} false) or the test error. */
  public static double[] meanErrorCurve(List<List<EpochRecord>> runs, boolean test) {
    int epochs = runs.stream().mapToInt(List::size).min().orElse(0);
    double[] curve = new double[epochs];
    for (int e = 0; e < epochs; e++) {
      double sum = 0;
      for (List<EpochRecord> h : runs) {
        EpochRecord r = h.get(e);
        sum += 1 - (test ? testTop1(r) : r.trainAccuracy());
      }
      curve[e] = sum / runs.size();
    }
    return curve;
  }

  /** Trains each model of {@code models}, in order. */
  public static Map<String, List<List<EpochRecord>>> trainAll(ExperimentContext c, List<String> models,
      ScheduleSpec schedule) {
    Map<String, List<List<EpochRecord>>> all = new LinkedHashMap<>();
    for (String m : models) {
      all.put(m, train(c, m, schedule));
    }
    return all;
  }

  private static EpochRecord last(List<EpochRecord> history) {
    if (history.isEmpty()) {
      throw new IllegalStateException("a run ended without a completed epoch");
    }
    return history.get(history.size() - 1);
  }

  private static double testTop1(EpochRecord r) {
    if (r.valTop1() == null) {
      throw new IllegalStateException("epoch " + r.epoch() + " has no test evaluation");
    }
    return r.valTop1();
  }
}
