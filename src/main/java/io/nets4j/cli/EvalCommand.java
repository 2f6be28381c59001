package io.nets4j.cli;

import io.nets4j.models.ImageClassifier;
import io.nets4j.models.ModelOptions;
import io.nets4j.nn.Checks;
import io.nets4j.nn.Limits;
import io.nets4j.train.DataSpec;
import io.nets4j.train.Evaluation;
import io.nets4j.train.EvaluationReport;
import io.nets4j.train.Evaluator;
import io.nets4j.train.Plots;
import io.nets4j.train.RunInfo;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nets4j eval}: measures a trained model on a data set: top-1/top-5 accuracy, loss,
 * per-class precision and recall, the confusion matrix and a picture of sample predictions.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Evaluate a trained model: top-1/top-5 accuracy, loss, per-class precision/recall/F1; writes "
        + "evaluation.json, confusion.png and predictions.png.",
        "Give a run directory (or one of its checkpoints), or --model, --weights and --data.", ""})
final class EvalCommand implements Callable<Integer> {
  @Parameters(index = "0", arity = "0..1", paramLabel = "RUN|CHECKPOINT",
      description = "a run directory (its best checkpoint) or a checkpoint directory") Path run;

  @Mixin TrainedModelOptions trained;

  /** Default: the run's validation data. */
  @Mixin DataOption data = new DataOption(null);

  /** Default (0): the run's, or the data's own. */
  @Mixin SizeOption size = new SizeOption(0);

  @Mixin BatchOption batch = new BatchOption(64);

  /** Default: RUN/eval, or eval/ without a run. */
  @Mixin OutOption out = new OutOption();

  @Option(names = "--limit", defaultValue = "0", description = "evaluate a random subset of this many images (0 = all)") int limit;

  @Option(names = "--workers", defaultValue = "2", description = "data loader threads (default: ${DEFAULT-VALUE})") int workers;

  @Option(names = "--bf16", description = "bfloat16 autocast") boolean bf16;

  @Override
  public Integer call() {
    Checks.nonNegative("--limit", limit);
    Checks.positive("--batch", batch.value);
    Checks.nonNegative("--workers", workers);
    Checks.range("--size", size.value, 0, Limits.MAX_INPUT_SIDE);
    if (out.value != null) {
      Checks.writableOutput("--out", out.value);
    }
    ImageClassifier net;
    DataSpec.Opened opened;
    List<String> classes;
    Path target;
    if (run != null) {
      TrainedModelOptions.FromRun loaded = trained.fromRun(run);
      RunInfo info = loaded.info();
      net = loaded.net();
      DataSpec.Options o = info.dataOptions();
      DataSpec.Options options = new DataSpec.Options(size.value > 0 ? size.value : info.imageSize(), o.trainSize(),
          limit > 0 ? limit : o.valSize(), o.valFraction(), o.seed());
      opened = DataSpec.parse(data.value != null ? data.value : info.data()).open(options);
      if (!opened.classes().equals(info.classes())) {
        throw new IllegalArgumentException("the data has classes " + opened.classes() + ", the model was trained on "
            + info.classes());
      }
      classes = info.classes();
      target = out.value != null ? out.value : RunInfo.runDirectory(run).resolve("eval");
      System.out.printf(Locale.ROOT, "evaluating %s (%s) on %s%n", info.model(), loaded.checkpoint(), data.value != null ? data.value
          : info.data());
    } else {
      String usage = "give a run directory, or --model, --weights and --data";
      trained.requireModelAndWeights(usage);
      if (data.value == null) {
        throw new IllegalArgumentException(usage);
      }
      opened = DataSpec.parse(data.value).open(new DataSpec.Options(size.value, 0, limit, 0.1, 0));
      net = trained.fromWeights(ModelOptions.defaults().withNumClasses(opened.classes().size())
          .withInChannels(opened.channels()));
      classes = opened.classes();
      target = out.value != null ? out.value : Path.of("eval");
      System.out.printf(Locale.ROOT, "evaluating %s (%s) on %s%n", trained.model.value, trained.weights.value, data.value);
    }
    Evaluation ev = Evaluator.evaluate(net, opened.validationBatches(batch.value, workers), classes.size(), bf16, 32);
    System.out.printf(Locale.ROOT, "%d images: top-1 %.2f%%, top-%d %.2f%%, loss %.4f%n", ev.count(), 100 * ev.top1(),
        ev.k(), 100 * ev.topK(), ev.loss());
    System.out.print(ev.confusion().report(classes));
    EvaluationReport.write(ev, classes, target.resolve("evaluation.json"));
    Plots.confusionMatrix(ev.confusion(), classes, target.resolve("confusion.png"));
    Plots.predictionGrid(ev.samples(), classes, opened.mean(), opened.std(), target.resolve("predictions.png"));
    System.out.println("report: " + target);
    return 0;
  }
}
