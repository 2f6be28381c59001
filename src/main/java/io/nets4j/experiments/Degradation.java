package io.nets4j.experiments;

import io.nets4j.models.ModelOptions;
import io.nets4j.models.Models;
import io.nets4j.train.EpochRecord;
import io.nets4j.train.ScheduleSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The degradation problem (He et al. 2016, "Deep Residual Learning for Image Recognition", figures 1
 * and 6): plain networks of 20, 32 and 56 layers get <em>worse on the training set</em> as they deepen,
 * while the residual networks of the same depths (the same layers plus identity shortcuts) get better.
 * The models are the registry's {@code plain{20,32,56}_cifar} and {@code resnet{20,32,56}_cifar}.
 */
public final class Degradation implements Experiment {
  static final int[] DEPTHS = {20, 32, 56};
  /**
   * He et al. warm the 110-layer net up at a tenth of the rate (section 4.2): at a budget of a few
   * hundred steps the 56-layer nets need it as well, or the first steps at 0.1 throw them back.
   */
  static final ScheduleSpec WARMUP_COSINE = ScheduleSpec.cosine().withWarmup(1, 0.1);

  @Override
  public String name() {
    return "degradation";
  }

  @Override
  public String title() {
    return "Degradation: plain against residual networks of 20, 32 and 56 layers (He et al. 2016, figures 1 and 6)";
  }

  @Override
  public Budget budget(boolean quick) {
    return quick ? new Budget(6, 2000, 1000, 12, 32, 3) : new Budget(15, 20000, 10000, 28, 128, 3);
  }

  static String plain(int depth) {
    return "plain" + depth + "_cifar";
  }

  static String residual(int depth) {
    return "resnet" + depth + "_cifar";
  }

  @Override
  public ExperimentResult run(ExperimentContext c) {
    List<String> models = new ArrayList<>();
    for (int d : DEPTHS) {
      models.add(plain(d));
    }
    for (int d : DEPTHS) {
      models.add(residual(d));
    }
    Map<String, List<List<EpochRecord>>> runs = ClassifierRuns.trainAll(c, models, WARMUP_COSINE);
    Map<String, SeedStats> trainError = new LinkedHashMap<>();
    List<List<Object>> rows = new ArrayList<>();
    for (String m : models) {
      SeedStats train = ClassifierRuns.finalTrainError(runs.get(m));
      trainError.put(m, train);
      long params = Models.parameterCount(m, ModelOptions.defaults().withNumClasses(10).withInChannels(1));
      rows.add(List.of(m, params, train,
          ClassifierRuns.finalTestError(runs.get(m))));
    }
    List<String> plots = new ArrayList<>();
    for (boolean res : new boolean[] {false, true}) {
      Map<String, double[]> curves = new LinkedHashMap<>();
      List<String> dashed = new ArrayList<>();
      for (int d : DEPTHS) {
        String m = res ? residual(d) : plain(d);
        curves.put(m + " train", ClassifierRuns.meanErrorCurve(runs.get(m), false));
        dashed.add(m + " train");
        curves.put(m + " test", ClassifierRuns.meanErrorCurve(runs.get(m), true));
      }
      String file = name() + (res ? "-residual" : "-plain") + ".png";
      ExperimentPlots.curves((res ? "Residual" : "Plain") + " networks: error (dashed: training, solid: test)",
          "error %", curves, dashed, c.imagesDir().resolve(file));
      plots.add(file);
    }
    List<Claim> claims = claims(trainError);
    Table table = new Table("Final errors (%, last epoch)", List.of("model", "parameters", "training error",
        "test error"), rows, 100);
    String summary = String.format(Locale.ROOT,
        "final training error: plain-20 %.1f%%, plain-56 %.1f%%; residual-20 %.1f%%, residual-56 %.1f%% (%s)",
        100 * trainError.get(plain(20)).mean(), 100 * trainError.get(plain(56)).mean(),
        100 * trainError.get(residual(20)).mean(), 100 * trainError.get(residual(56)).mean(),
        claims.stream().allMatch(Claim::holds) ? "the claim holds" : "the claim does not hold at this budget");
    return new ExperimentResult(List.of(table), claims, plots, summary, NOTES);
  }

  /**
   * The paper's two claims, from the final training errors by model name (the registry's names):
   * the 56-layer plain net's is above the 20-layer one's, the 56-layer residual net's below its 20-layer one's.
   */
  static List<Claim> claims(Map<String, SeedStats> finalTrainError) {
    SeedStats p20 = require(finalTrainError, plain(20));
    SeedStats p56 = require(finalTrainError, plain(56));
    SeedStats r20 = require(finalTrainError, residual(20));
    SeedStats r56 = require(finalTrainError, residual(56));
    return List.of(
        new Claim("Plain nets degrade: the plain 56-layer net's final training error is above the 20-layer one's",
            p56.mean() > p20.mean(), evidence(p56, p20, "plain-56", "plain-20")),
        new Claim("Residual nets do not: the residual 56-layer net's final training error is below the 20-layer one's",
            r56.mean() < r20.mean(), evidence(r56, r20, "residual-56", "residual-20")));
  }

  private static SeedStats require(Map<String, SeedStats> table, String model) {
    SeedStats s = table.get(model);
    if (s == null) {
      throw new IllegalArgumentException("the degradation table has no row for " + model + "; it has " + table.keySet());
    }
    return s;
  }

  private static String evidence(SeedStats a, SeedStats b, String an, String bn) {
    return an + " " + a.format(100) + "% vs " + bn + " " + b.format(100) + "%"
        + (a.separatedFrom(b) ? "" : "; the ranges over seeds overlap");
  }

  private static final String NOTES = """
      ## Set-up

      The networks are He et al.'s CIFAR networks (section 4.2): a 3x3 stem with 16 filters, three stages of
      n blocks (16, 32, 64 filters), global average pooling and a linear classifier, 6n + 2 layers. The plain
      networks are the same layers without the shortcuts. All six train with one recipe fixed in advance (SGD,
      momentum 0.9, weight decay 1e-4, learning rate 0.1 with a cosine schedule after one epoch of linear
      warm-up from 0.01, shifts and flips), on one
      random subset of Fashion-MNIST's training split; the seeds vary the initialisation and the batch order.
      The training error is the running error of each epoch, with the network in training mode, as in the
      paper's figure 6; the test error is measured after every epoch on a subset of the official test split,
      which is only reported.

      The paper trains 64k iterations on CIFAR-10; here the budget is far smaller, so the errors are higher
      and the gaps narrower. The plain net's degradation is an optimisation difficulty, not overfitting: it
      shows on the training error itself.
      """;
}
