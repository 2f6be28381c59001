package io.nets4j.cli;

import io.nets4j.sequence.tasks.CharLanguageModel;
import io.nets4j.sequence.tasks.CharVocabulary;
import io.nets4j.sequence.tasks.GrammarCorpus;
import io.nets4j.sequence.tasks.LanguageModelTraining;
import io.nets4j.sequence.tasks.MarkovModel;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code nets4j lm}: character-level language models on one text — a smoothed n-gram baseline, a
 * fixed-window MLP, an LSTM, a GRU and a causal Transformer — compared by validation perplexity,
 * with a sample from the best. Optionally writes the comparison as a Markdown report.
 */
@Command(name = "lm", mixinStandardHelpOptions = true, description = "Compare character language models (n-gram, MLP, LSTM, GRU, Transformer) by validation perplexity.")
final class LanguageModelCommand implements Callable<Integer> {
  @Option(names = "--corpus", description = "UTF-8 text file (default: text generated from a small grammar)") Path corpus;

  @Option(names = "--corpus-size", defaultValue = "300000", description = "characters of generated text (default: ${DEFAULT-VALUE})") int corpusSize;

  @Mixin StepRecipe recipe = new StepRecipe(1500, 32, 0.003);

  @Mixin ThreadsOption threads = new ThreadsOption(1);

  @Option(names = "--length", defaultValue = "64",
      description = "characters per training window and model limit (default: ${DEFAULT-VALUE})") int length;

  @Option(names = "--width", defaultValue = "128", description = "model width (default: ${DEFAULT-VALUE})") int width;

  @Option(names = "--order", defaultValue = "5", description = "n of the n-gram baseline (default: ${DEFAULT-VALUE})") int order;

  @Option(names = "--models", split = ",", defaultValue = "window_mlp,lstm,gru,transformer",
      description = "neural models to train (default: ${DEFAULT-VALUE})") List<String> models;

  @Option(names = "--report", description = "write the comparison as Markdown to this file (e.g. docs/sequence-models.md)") Path report;

  /** One row of the comparison. */
  record Row(String model, long parameters, double perplexity, double seconds) {}

  @Mixin TrainingRunOptions runOptions;

  @Override
  public Integer call() {
    threads.apply();
    List<CharLanguageModel.Kind> kinds = new ArrayList<>();
    for (String m : models) {
      kinds.add(parseKind(m));
    }
    String text = corpus == null ? GrammarCorpus.generate(corpusSize, recipe.seed) : read(corpus);
    if (text.codePointCount(0, text.length()) < 2 * (length + 1)) {
      throw new IllegalArgumentException("corpus has " + text.codePointCount(0, text.length())
          + " characters; at least " + 2 * (length + 1) + " are needed for training and validation windows");
    }
    CharVocabulary vocab = CharVocabulary.of(text);
    long[] ids = vocab.encode(text, corpus == null ? "generated corpus" : "corpus " + corpus);
    int split = (int) (ids.length * 0.9);
    long[] train = Arrays.copyOfRange(ids, 0, split);
    long[] valid = Arrays.copyOfRange(ids, split, ids.length);
    String source = corpus == null ? "generated grammar text (seed " + recipe.seed + ")" : corpus.getFileName().toString();
    System.out.printf(Locale.ROOT, "lm: %s, %,d characters (%d distinct), %,d training and %,d validation%n", source,
        ids.length, vocab.size() - 3, train.length, valid.length);
    List<Row> rows = new ArrayList<>();
    long start = System.nanoTime();
    MarkovModel markov = new MarkovModel(characters(train), vocab.size() - 3, order, 1.0);
    double markovPpl = Math.exp(markov.meanNll(characters(valid)));
    rows.add(new Row(order + "-gram (interpolated smoothing)", 0, markovPpl, (System.nanoTime() - start) / 1e9));
    System.out.printf(Locale.ROOT, "%-34s validation perplexity %7.3f%n", rows.get(0).model(), markovPpl);
    CharLanguageModel best = null;
    double bestPpl = Double.POSITIVE_INFINITY;
    for (CharLanguageModel.Kind kind : kinds) {
      torch.manual_seed(recipe.seed);
      CharLanguageModel model = kind.create(vocab.size(), length, width);
      long t0 = System.nanoTime();
      LanguageModelTraining.train(model, train, new LanguageModelTraining.Settings(recipe.steps, recipe.batch, length, recipe.lr, recipe.seed), step -> {
        if (step % 500 == 0) {
          System.out.printf(Locale.ROOT, "  %s step %d/%d, %.0f s%n", kind.title(), step, recipe.steps, (System.nanoTime() - t0) / 1e9);
        }
      }, runOptions.run(null, kind.name().toLowerCase(Locale.ROOT)));
      double ppl = Math.exp(LanguageModelTraining.meanNll(model, valid, length));
      double seconds = (System.nanoTime() - t0) / 1e9;
      rows.add(new Row(kind.title(), model.parameterCount(), ppl, seconds));
      System.out.printf(Locale.ROOT, "%-34s validation perplexity %7.3f  (%,d parameters, %.0f s)%n", kind.title(), ppl,
          model.parameterCount(), seconds);
      if (ppl < bestPpl) {
        bestPpl = ppl;
        best = model;
      }
    }
    String sample = null;
    String bestName = null;
    if (best != null) {
      bestName = rows.stream().filter(r -> r.perplexity() == rows.stream().skip(1).mapToDouble(Row::perplexity).min()
          .orElseThrow()).findFirst().orElseThrow().model();
      long[] prompt = Arrays.copyOfRange(valid, 0, Math.min(valid.length, 16));
      sample = vocab.decode(prompt) + vocab.decode(LanguageModelTraining.sample(best, prompt, 400, 0.8, recipe.seed));
      System.out.println("sample from the " + bestName + " (temperature 0.8):");
      System.out.println(sample);
    }
    if (report != null) {
      writeReport(source, ids.length, vocab.size() - 3, train.length, valid.length, rows, bestName, sample);
      System.out.println("wrote " + report);
    }
    return 0;
  }

  private void writeReport(String source, int chars, int distinct, int train, int valid, List<Row> rows, String bestName,
      String sample) {
    StringBuilder md = new StringBuilder();
    md.append("## Character language models\n\n");
    md.append("Generated by `nets4j lm");
    if (corpus != null) {
      md.append(" --corpus ").append(corpus.getFileName());
    }
    md.append(" --report ").append(report.getFileName()).append("` (steps ").append(recipe.steps).append(", batch ")
        .append(recipe.batch).append(", window ").append(length).append(", width ").append(width).append(", lr ").append(recipe.lr)
        .append(", seed ").append(recipe.seed).append(", threads ").append(threads.value).append(").\n\n");
    md.append(String.format(Locale.ROOT, "Corpus: %s, %,d characters (%d distinct); the first 90%% (%,d) trains, the "
        + "last 10%% (%,d) validates.%n%n", source, chars, distinct, train, valid));
    md.append("Perplexity is exp of the mean negative log-likelihood per validation character (lower is better; a "
        + "uniform guess over the characters scores their number). The neural models read the validation text in "
        + "chunks of " + length + " characters from an empty state; the n-gram model sees its " + (order - 1)
        + " previous characters everywhere.\n\n");
    md.append("| model | parameters | validation perplexity | training time (s) |\n|---|---:|---:|---:|\n");
    for (Row r : rows) {
      md.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %.0f |%n", r.model(),
          r.parameters() == 0 ? "counts" : String.format(Locale.ROOT, "%,d", r.parameters()), r.perplexity(),
          r.seconds()));
    }
    if (sample != null) {
      md.append("\nSample from the best model (").append(bestName)
          .append("), temperature 0.8, after the first 16 validation characters:\n\n```text\n").append(sample)
          .append("\n```\n");
    }
    MarkdownSections.write(report, Seq2SeqCommand.REPORT_HEADER, "lm", md.toString());
  }

  /** Vocabulary ids to character indices of the n-gram model (the reserved ids are never in a text). */
  private static int[] characters(long[] ids) {
    int[] out = new int[ids.length];
    for (int i = 0; i < ids.length; i++) {
      out[i] = (int) ids[i] - 3;
    }
    return out;
  }

  private static String read(Path file) {
    try {
      byte[] bytes = Files.readAllBytes(file);
      String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(java.nio.ByteBuffer.wrap(bytes)).toString();
      if (text.isEmpty()) {
        throw new IllegalArgumentException("corpus " + file + " is empty");
      }
      return text;
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("corpus " + file + " is not valid UTF-8: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read corpus " + file + ": " + e.getMessage(), e);
    }
  }

  static CharLanguageModel.Kind parseKind(String name) {
    for (CharLanguageModel.Kind k : CharLanguageModel.Kind.values()) {
      if (k.name().equalsIgnoreCase(name.trim())) {
        return k;
      }
    }
    throw new IllegalArgumentException("unknown model '" + name + "': expected some of window_mlp, lstm, gru, transformer");
  }
}
