package io.nets4j.cli;

import io.nets4j.sequence.tasks.AttentionHeatmap;
import io.nets4j.sequence.tasks.DateModels;
import io.nets4j.sequence.tasks.DateTask;
import io.nets4j.sequence.tasks.Seq2SeqModel;
import io.nets4j.sequence.tasks.Seq2SeqTraining;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nets4j seq2seq}: trains an attentive sequence-to-sequence model to normalise dates written
 * in many formats to ISO 8601, reports exact-match accuracy on held-out dates and draws the
 * attention alignments of a few examples.
 */
@Command(name = "seq2seq", description = "Train a seq2seq model with attention to normalise dates (\"nov 22, 2026\" -> 2026-11-22).")
final class Seq2SeqCommand implements Callable<Integer> {
  @Option(names = "--model", defaultValue = "bahdanau", description = "bahdanau or transformer (default: ${DEFAULT-VALUE})")
  String model;

  @Option(names = "--steps", defaultValue = "0", description = "training steps (default: the model's)")
  int steps;

  @Option(names = "--batch", defaultValue = "64", description = "examples per step (default: ${DEFAULT-VALUE})")
  int batch;

  @Option(names = "--lr", defaultValue = "0", description = "Adam learning rate (default: the model's)")
  double lr;

  @Option(names = "--eval-every", defaultValue = "250", description = "steps between held-out evaluations (default: ${DEFAULT-VALUE})")
  int evalEvery;

  @Option(names = "--eval-examples", defaultValue = "1000", description = "held-out examples per evaluation (default: ${DEFAULT-VALUE})")
  int evalExamples;

  @Option(names = "--held-out-days", defaultValue = "3000", description = "days never seen in training (default: ${DEFAULT-VALUE})")
  int heldOutDays;

  @Option(names = "--seed", defaultValue = "0", description = "random seed (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--heatmaps", defaultValue = "seq2seq-attention", description = "directory for attention heatmap PNGs (default: ${DEFAULT-VALUE})")
  Path heatmaps;

  @Option(names = "--translate", split = ",,", description = "dates to translate after training (separate several with ,,)")
  List<String> translate = new ArrayList<>();

  @Override
  public Integer call() {
    DateModels kind = parseModel(model);
    int n = steps == 0 ? kind.defaultSteps() : steps;
    double rate = lr == 0 ? kind.learningRate() : lr;
    torch.manual_seed(seed);
    Seq2SeqModel net = kind.create();
    // reject bad input before spending minutes on training
    if (!translate.isEmpty()) {
      net.encode(translate);
    }
    DateTask task = new DateTask(heldOutDays, seed);
    System.out.printf(Locale.ROOT, "seq2seq: %s (%,d parameters), %d training and %d held-out days, %d formats%n",
        kind.name().toLowerCase(Locale.ROOT), net.parameterCount(), task.trainingDates().size(),
        task.heldOutDates().size(), DateTask.FORMATS.size());
    int[] reached = {-1};
    List<Seq2SeqTraining.Checkpoint> log = Seq2SeqTraining.train(net, task,
        new Seq2SeqTraining.Settings(n, batch, rate, evalEvery, evalExamples, seed), c -> {
          System.out.printf(Locale.ROOT, "step %5d  %6.1f s  loss %.4f  held-out exact match %6.2f%%%n",
              c.step(), c.seconds(), c.trainLoss(), 100 * c.heldOutAccuracy());
          if (reached[0] < 0 && c.heldOutAccuracy() >= 0.99) {
            reached[0] = c.step();
            System.out.printf(Locale.ROOT, "reached 99%% after %d steps, %.1f s%n", c.step(), c.seconds());
          }
        });
    Seq2SeqTraining.Checkpoint last = log.get(log.size() - 1);
    System.out.printf(Locale.ROOT, "final held-out exact match %.2f%% after %d steps (%.1f s)%n",
        100 * last.heldOutAccuracy(), last.step(), last.seconds());
    LocalDate example = task.heldOutDates().get(0);
    int[] formats = {0, 2, 6, 8, 11, 14};
    for (int f : formats) {
      DateTask.Format format = DateTask.FORMATS.get(f);
      Seq2SeqModel.Alignment a = net.align(DateTask.example(example, format).source(), DateTask.TARGET_LENGTH + 2);
      String produced = net.targetVocabulary().decode(a.outputTokens());
      Path file = heatmaps.resolve(kind.name().toLowerCase(Locale.ROOT) + "-" + f + ".png");
      AttentionHeatmap.write(file, kind.name().toLowerCase(Locale.ROOT) + ": \"" + a.source() + "\" -> " + produced, net, a);
      System.out.printf(Locale.ROOT, "%-32s -> %s   (%s)%n", "\"" + a.source() + "\"", produced, file);
    }
    if (!translate.isEmpty()) {
      List<String> out = net.translate(translate, DateTask.TARGET_LENGTH + 2);
      for (int i = 0; i < out.size(); i++) {
        System.out.printf(Locale.ROOT, "%-32s -> %s%n", "\"" + translate.get(i) + "\"", out.get(i));
      }
    }
    return 0;
  }

  static DateModels parseModel(String name) {
    for (DateModels m : DateModels.values()) {
      if (m.name().equalsIgnoreCase(name)) {
        return m;
      }
    }
    throw new IllegalArgumentException("unknown model '" + name + "': expected bahdanau or transformer");
  }
}
