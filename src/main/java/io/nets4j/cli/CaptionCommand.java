package io.nets4j.cli;

import io.nets4j.captioning.AttentionMaps;
import io.nets4j.captioning.CaptionTraining;
import io.nets4j.captioning.ShowAttendTell;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code nets4j caption}: trains "Show, Attend and Tell" captioners with soft and/or hard attention
 * on generated shapes scenes, reports held-out BLEU-4 and exact match, and writes attention maps.
 */
@Command(name = "caption", mixinStandardHelpOptions = true, description = "Train soft/hard-attention image captioners (Show, Attend and Tell) on "
    + "generated shapes scenes; report BLEU-4 and exact match; write attention maps as PNGs.")
final class CaptionCommand implements Callable<Integer> {
  @Option(names = "--attention", defaultValue = "both", description = "soft, hard or both (default: ${DEFAULT-VALUE})") String attention;

  @Mixin StepRecipe recipe = new StepRecipe(0, 0, 0);

  @Mixin SizeOption size = new SizeOption(0);

  @Mixin OutOption out = new OutOption("caption-out");

  @Mixin ThreadsOption threads = new ThreadsOption(1);

  @Option(names = "--doubly-stochastic", defaultValue = "-1", description = "weight of the soft-attention "
      + "regulariser (default: the defaults')") double doublyStochastic;

  @Option(names = "--maps", defaultValue = "4", description = "captions to draw attention maps for (default: ${DEFAULT-VALUE})") int maps;

  @Option(names = "--report", description = "also write the results as Markdown to this file (e.g. docs/captioning.md)") Path report;

  @Mixin TrainingRunOptions runOptions;

  @Override
  public Integer call() throws Exception {
    if (recipe.steps < 0 || recipe.batch < 0 || maps < 0 || recipe.lr < 0 || size.value < 0) {
      throw new IllegalArgumentException("--steps, --batch, --lr, --size and --maps must not be negative");
    }
    threads.apply();
    List<ShowAttendTell.Kind> kinds = attention.equalsIgnoreCase("both")
        ? List.of(ShowAttendTell.Kind.SOFT, ShowAttendTell.Kind.HARD)
        : List.of(ShowAttendTell.Kind.parse(attention));
    List<CaptionTraining.Result> results = new ArrayList<>();
    for (ShowAttendTell.Kind kind : kinds) {
      CaptionTraining.Config d = CaptionTraining.Config.defaults(kind);
      CaptionTraining.Config config = CaptionTraining.Config.builder(kind, recipe.seed)
          .optimiser(recipe.steps(d.steps()), recipe.batch(d.batch()), recipe.lr(d.learningRate()))
          .scenes(size.orElse(d.imageSize()), d.trainImages(), d.testImages())
          .regularisers(doublyStochastic < 0 ? d.doublyStochastic() : doublyStochastic, d.entropyBonus()).build();
      System.out.printf(Locale.ROOT, "caption: %s attention, %d steps of %d images (%dx%d), %d training and %d "
          + "held-out scenes, lr %s, doubly stochastic weight %s%n", kind, config.steps(), config.batch(),
          config.imageSize(), config.imageSize(), config.trainImages(), config.testImages(), config.learningRate(),
          config.doublyStochastic());
      CaptionTraining.Result r = CaptionTraining.run(config, maps, System.out::println,
          runOptions.run(null, kind.toString().toLowerCase(Locale.ROOT)));
      CaptionTraining.Evaluation e = r.evaluation();
      System.out.printf(Locale.ROOT, "%s attention: held-out BLEU-4 %.4f, exact match %.1f%%, colour/shape words "
          + "%.1f%% (%.0f s)%n", kind, e.bleu4(), 100 * e.exactMatch(), 100 * e.contentAccuracy(), r.seconds());
      for (CaptionTraining.Sample s : e.samples()) {
        System.out.println("  reference: " + String.join(" ", s.reference()) + "  |  generated: "
            + String.join(" ", s.generated()));
      }
      for (Path p : AttentionMaps.write(e.samples(), r.model().config().grid(), out.value, kind.toString())) {
        System.out.println("  wrote " + p);
      }
      results.add(r);
    }
    CaptionTraining.Config first = results.get(0).config();
    CaptionTraining.Evaluation blind = CaptionTraining.captionOnlyBaseline(
        CaptionTraining.Corpus.generate(first.trainImages(), first.imageSize(), first.seed()),
        CaptionTraining.Corpus.generate(first.testImages(), first.imageSize(), first.seed() + 1_000_003));
    System.out.printf(Locale.ROOT, "caption-only baseline (one fixed caption): BLEU-4 %.4f, exact match %.1f%%, "
        + "colour/shape words %.1f%%%n", blind.bleu4(), 100 * blind.exactMatch(), 100 * blind.contentAccuracy());
    if (report != null) {
      writeReport(results, blind);
      System.out.println("wrote " + report);
    }
    return 0;
  }

  private void writeReport(List<CaptionTraining.Result> results, CaptionTraining.Evaluation blind)
      throws java.io.IOException {
    StringBuilder md = new StringBuilder();
    CaptionTraining.Config first = results.get(0).config();
    md.append("# Image captioning with soft and hard attention\n\n")
        .append("Generated by `nets4j caption --attention ").append(attention)
        .append(recipe.steps == 0 ? "" : " --steps " + recipe.steps).append(recipe.batch == 0 ? "" : " --batch " + recipe.batch)
        .append(recipe.lr == 0 ? "" : " --lr " + recipe.lr)
        .append(size.value == 0 ? "" : " --size " + size.value)
        .append(doublyStochastic < 0 ? "" : " --doubly-stochastic " + doublyStochastic)
        .append(recipe.seed == 0 ? "" : " --seed " + recipe.seed).append(" --out ").append(out.value).append(" --report ").append(report)
        .append("`; do not edit by hand.\n\n")
        .append("A small \"Show, Attend and Tell\" captioner (Xu et al. 2015; `io.nets4j.captioning`): a batch-normalised ")
        .append("three-convolution encoder gives a grid of annotation vectors, an LSTM decoder attends over them at ")
        .append("every word. Soft attention takes the expected annotation and is trained by backpropagation with the ")
        .append("doubly stochastic regulariser; hard attention samples one location and is trained by REINFORCE ")
        .append("(reward: the caption's log-likelihood, moving-average baseline, entropy bonus), taking the most ")
        .append("likely location at test time. Data: synthetic shapes scenes with two objects and captions generated ")
        .append("from the scene (colour = dominant channel of the object's mean pixel colour, shape, and the relation ")
        .append("`above` / `left of` from the boxes), ").append(first.trainImages()).append(" training and ")
        .append(first.testImages()).append(" held-out scenes of ").append(first.imageSize()).append("x")
        .append(first.imageSize()).append(" pixels. Greedy decoding on the held-out scenes; BLEU-4 is corpus BLEU ")
        .append("with brevity penalty, one reference per image; content words = colour and shape words reproduced at ")
        .append("their position. Times are wall-clock seconds on a possibly shared machine.\n\n")
        .append("The caption-only row is what any model that ignores the image reaches: its greedy decoding writes ")
        .append("the single caption that follows the most frequent word after each prefix of the training captions, ")
        .append("here scored on the same held-out scenes.\n\n")
        .append("| attention | steps | batch | lr | BLEU-4 | exact match | content words | final loss | time |\n")
        .append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    md.append(String.format(Locale.ROOT, "| caption only (baseline) | - | - | - | %.4f | %.1f%% | %.1f%% | - | - |%n",
        blind.bleu4(), 100 * blind.exactMatch(), 100 * blind.contentAccuracy()));
    for (CaptionTraining.Result r : results) {
      CaptionTraining.Config c = r.config();
      CaptionTraining.Evaluation e = r.evaluation();
      md.append(String.format(Locale.ROOT, "| %s | %d | %d | %s | %.4f | %.1f%% | %.1f%% | %.3f | %.0f s |%n",
          c.kind(), c.steps(), c.batch(), c.learningRate(), e.bleu4(), 100 * e.exactMatch(), 100 * e.contentAccuracy(),
          r.finalLoss(), r.seconds()));
    }
    md.append("\nLearning curves (training loss since the previous row; content words on the first ")
        .append(Math.min(CaptionTraining.MONITORED_IMAGES, first.testImages())).append(" held-out scenes):\n\n")
        .append("| attention | step | loss | content words | time (s) |\n|---|---:|---:|---:|---:|\n");
    for (CaptionTraining.Result r : results) {
      for (CaptionTraining.Progress p : r.curve()) {
        md.append(String.format(Locale.ROOT, "| %s | %d | %.4f | %.1f%% | %.0f |%n", r.config().kind(), p.step(),
            p.loss(), 100 * p.contentAccuracy(), p.seconds()));
      }
    }
    md.append("\nAttention over the image for each generated word (brighter = more weight; hard attention shows ")
        .append("the distribution the location is chosen from):\n\n");
    for (CaptionTraining.Result r : results) {
      List<CaptionTraining.Sample> samples = r.evaluation().samples();
      for (int k = 0; k < samples.size(); k++) {
        CaptionTraining.Sample s = samples.get(k);
        Path png = out.value.resolve(r.config().kind() + "-" + k + ".png");
        md.append("- ").append(r.config().kind()).append(": reference \"").append(String.join(" ", s.reference()))
            .append("\", generated \"").append(String.join(" ", s.generated())).append("\"\n\n  ![")
            .append(r.config().kind()).append(" attention ").append(k).append("](")
            .append(MarkdownSections.link(report, png)).append(")\n");
      }
    }
    Path parent = report.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(report, md.toString());
  }
}
