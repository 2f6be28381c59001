package io.nets4j.captioning;

import io.nets4j.data.Image;
import io.nets4j.data.ShapesDataset;
import io.nets4j.sequence.Decoding;
import io.nets4j.sequence.Reinforce;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Device;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import io.nets4j.train.LrSchedule;
import io.nets4j.train.OptimizerSpec;
import io.nets4j.train.TrainingEngine;
import io.nets4j.train.TrainingRun;
import io.nets4j.train.TrainingTask;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;

/**
 * Trains and evaluates a {@link ShowAttendTell} captioner on {@link SceneCaptions generated
 * captions} of synthetic shapes scenes.
 *
 * <p>Both variants minimise the per-word negative log-likelihood of the reference caption (teacher
 * forcing, Adam). Soft attention adds the doubly stochastic regulariser of the paper,
 * {@code lambda * (1 - sum_t alpha_ti)^2}, averaged over the locations. Hard attention follows the
 * paper's stochastic objective: the sampled locations are reinforced with the caption's
 * log-likelihood as reward, less a moving-average baseline, plus an entropy bonus.
 */
public final class CaptionTraining {
  private CaptionTraining() {}

  /** Longest caption in tokens: two described objects, "left of", the start and end tokens. */
  static final int MAX_TOKENS = 3 + 2 + 3 + 2;

  /**
   * A training run.
   *
   * @param kind soft or hard attention
   * @param imageSize image side in pixels
   * @param trainImages number of training scenes (generated once, sampled with replacement)
   * @param testImages number of held-out scenes (generated from another seed)
   * @param steps optimiser steps
   * @param batch images per step
   * @param learningRate Adam learning rate
   * @param doublyStochastic weight {@code lambda} of the soft-attention regulariser
   * @param entropyBonus weight of the hard-attention entropy bonus
   * @param seed seed of the data, the initialisation and the sampling
   */
  public record Config(ShowAttendTell.Kind kind, int imageSize, int trainImages, int testImages, int steps,
      int batch, double learningRate, double doublyStochastic, double entropyBonus, long seed) {
    public Config {
      if (trainImages < 1 || testImages < 1 || steps < 0 || batch < 1 || learningRate <= 0) {
        throw new IllegalArgumentException("invalid captioning run " + this);
      }
    }

    /**
     * The defaults of {@code nets4j caption}: 1,000 steps, where soft attention reached BLEU-4 0.46
     * and 52% of the content words in about three minutes (docs/captioning.md).
     */
    public static Config defaults(ShowAttendTell.Kind kind) {
      return builder(kind, 0).build();
    }

    /** A builder for a run of {@code kind} attention from {@code seed}, with the recipe of {@link #defaults}. */
    public static Builder builder(ShowAttendTell.Kind kind, long seed) {
      return new Builder(kind, seed);
    }

    /** Builds a {@link Config}; the recipe starts at {@link Config#defaults}. */
    public static final class Builder {
      private final ShowAttendTell.Kind kind;
      private final long seed;
      private int imageSize = 32;
      private int trainImages = 4000;
      private int testImages = 500;
      private int steps = 1000;
      private int batch = 32;
      private double learningRate = 2e-3;
      private double doublyStochastic = 1.0;
      private double entropyBonus = 0.01;

      private Builder(ShowAttendTell.Kind kind, long seed) {
        this.kind = kind;
        this.seed = seed;
      }

      /** The weights of the doubly stochastic attention regulariser and of the hard-attention entropy bonus. */
      public Builder regularisers(double lambda, double entropy) {
        doublyStochastic = lambda;
        entropyBonus = entropy;
        return this;
      }

      /** Optimiser steps, images per step and the Adam learning rate. */
      public Builder optimiser(int stepCount, int batchSize, double lr) {
        steps = stepCount;
        batch = batchSize;
        learningRate = lr;
        return this;
      }

      /** Image side, training and held-out scenes. */
      public Builder scenes(int size, int train, int test) {
        imageSize = size;
        trainImages = train;
        testImages = test;
        return this;
      }

      /** The configuration (checked: see the record's constructor). */
      public Config build() {
        return new Config(kind, imageSize, trainImages, testImages, steps, batch, learningRate, doublyStochastic,
            entropyBonus, seed);
      }
    }
  }

  /** Pre-rendered scenes with their captions: normalised pixels and padded token rows. */
  public record Corpus(int imageSize, List<Image> images, List<List<String>> captions, float[] pixels, long[] tokens) {
    /** Renders {@code count} scenes of the given seed. */
    public static Corpus generate(int count, int imageSize, long seed) {
      ShapesDataset data = SceneCaptions.scenes(count, imageSize, seed);
      int plane = 3 * imageSize * imageSize;
      float[] pixels = new float[count * plane];
      long[] tokens = new long[count * MAX_TOKENS];
      List<Image> images = new ArrayList<>();
      List<List<String>> captions = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        ShapesDataset.Scene scene = data.get(i);
        float[] x = scene.image().data();
        for (int p = 0; p < plane; p++) {
          pixels[i * plane + p] = 2 * x[p] - 1;
        }
        List<String> words = SceneCaptions.caption(scene);
        long[] ids = SceneCaptions.encode(words);
        System.arraycopy(ids, 0, tokens, i * MAX_TOKENS, ids.length);
        images.add(scene.image());
        captions.add(words);
      }
      return new Corpus(imageSize, List.copyOf(images), List.copyOf(captions), pixels, tokens);
    }

    public int size() {
      return images.size();
    }

    /** The first {@code n} scenes. */
    Corpus head(int n) {
      int plane = 3 * imageSize * imageSize;
      return new Corpus(imageSize, images.subList(0, n), captions.subList(0, n), Arrays.copyOf(pixels, n * plane),
          Arrays.copyOf(tokens, n * MAX_TOKENS));
    }

    Tensor images(int[] rows) {
      int plane = 3 * imageSize * imageSize;
      float[] out = new float[rows.length * plane];
      for (int i = 0; i < rows.length; i++) {
        System.arraycopy(pixels, rows[i] * plane, out, i * plane, plane);
      }
      return Tensors.fromFloats(out, rows.length, 3, imageSize, imageSize);
    }

    Tensor tokens(int[] rows) {
      long[] out = new long[rows.length * MAX_TOKENS];
      for (int i = 0; i < rows.length; i++) {
        System.arraycopy(tokens, rows[i] * MAX_TOKENS, out, i * MAX_TOKENS, MAX_TOKENS);
      }
      return Tensors.fromLongs(out, rows.length, MAX_TOKENS);
    }
  }

  /** A generated caption with the attention distribution behind each of its words. */
  public record Sample(Image image, List<String> reference, List<String> generated, List<float[]> attention) {}

  /**
   * Held-out scores.
   *
   * @param bleu4 corpus BLEU-4 of the greedy captions, one reference each
   * @param exactMatch fraction of captions identical to the reference
   * @param contentAccuracy fraction of the reference's colour and shape words reproduced at their position
   * @param samples the first images' captions and attention maps
   */
  public record Evaluation(double bleu4, double exactMatch, double contentAccuracy, List<Sample> samples) {}

  /** One point of the learning curve: mean training loss since the last point and held-out content accuracy. */
  public record Progress(int step, double loss, double contentAccuracy, double seconds) {}

  /** A finished run: the trained model, its learning curve, held-out scores and the time it took. */
  public record Result(Config config, ShowAttendTell model, List<Progress> curve, Evaluation evaluation,
      double finalLoss, double seconds) {}

  /** Held-out scenes the learning curve is measured on (the first ones of the test set). */
  public static final int MONITORED_IMAGES = 200;

  /** The captioner of a run, for images of {@code imageSize}. */
  public static ShowAttendTell model(ShowAttendTell.Kind kind, int imageSize) {
    return new ShowAttendTell(kind, new ShowAttendTell.Config(imageSize, SceneCaptions.VOCABULARY.size(), 64, 32,
        128, 64));
  }

  /** Trains on a fresh corpus and evaluates on held-out scenes; {@code log} receives progress lines. */
  public static Result run(Config config, int keepSamples, Consumer<String> log) {
    return run(config, keepSamples, log, TrainingRun.quiet());
  }

  /** Like {@link #run(Config, int, Consumer)}, training through the {@link TrainingEngine} with {@code run}. */
  public static Result run(Config config, int keepSamples, Consumer<String> log, TrainingRun run) {
    long start = System.nanoTime();
    torch.manual_seed(config.seed());
    Corpus train = Corpus.generate(config.trainImages(), config.imageSize(), config.seed());
    Corpus test = Corpus.generate(config.testImages(), config.imageSize(), config.seed() + 1_000_003);
    ShowAttendTell model = model(config.kind(), config.imageSize());
    List<Progress> curve = new ArrayList<>();
    double loss = train(model, train, test.head(Math.min(MONITORED_IMAGES, test.size())), config, p -> {
      curve.add(p);
      if (log != null) {
        log.accept(String.format(Locale.ROOT, "%s step %5d/%d  loss %.4f  held-out content words %5.1f%%  %.0f s",
            config.kind(), p.step(), config.steps(), p.loss(), 100 * p.contentAccuracy(), p.seconds()));
      }
    }, run);
    Evaluation evaluation = evaluate(model, test, keepSamples);
    return new Result(config, model, List.copyOf(curve), evaluation, loss, (System.nanoTime() - start) / 1e9);
  }

  /**
   * Trains {@code model} for {@code config.steps()} steps, reporting ten points of the learning
   * curve (content accuracy on {@code monitor}) to {@code progress}; returns the mean loss of the
   * last 50 steps.
   */
  public static double train(ShowAttendTell model, Corpus data, Corpus monitor, Config config,
      Consumer<Progress> progress) {
    return train(model, data, monitor, config, progress, TrainingRun.quiet());
  }

  /**
   * Like {@link #train(ShowAttendTell, Corpus, Corpus, Config, Consumer)}, through the
   * {@link TrainingEngine} with {@code run}'s logs, checkpoints, resuming, progress, device and
   * numerics (the REINFORCE baseline is part of the checkpoint). Adam is AdamW without weight decay.
   */
  public static double train(ShowAttendTell model, Corpus data, Corpus monitor, Config config,
      Consumer<Progress> progress, TrainingRun run) {
    if (config.steps() == 0) {
      return Double.NaN;
    }
    TrainingEngine.Recipe recipe = new TrainingEngine.Recipe(config.steps(),
        OptimizerSpec.adamw(config.learningRate()).withWeightDecay(0), LrSchedule.constant(), config.seed(),
        TrainingEngine.Numerics.DEFAULT);
    double[] window = new double[2];
    long start = System.nanoTime();
    TrainingEngine.Result result = new TrainingEngine(new Task(model, data, config,
        new Reinforce.MovingAverageBaseline(0.9)), recipe, run).run(s -> {
          if (!s.skipped()) {
            window[0] += s.loss();
            window[1]++;
          }
          int step = (int) s.step();
          if (step % Math.max(1, config.steps() / 10) == 0 || step == config.steps()) {
            double content = evaluate(model, monitor, 0).contentAccuracy();
            model.train();
            progress.accept(new Progress(step, window[0] / window[1], content, (System.nanoTime() - start) / 1e9));
            window[0] = 0;
            window[1] = 0;
          }
          return true;
        });
    double[] losses = result.losses();
    double recent = 0;
    int recentCount = 0;
    for (int i = Math.max(0, losses.length - 50); i < losses.length; i++) {
      recent += losses[i];
      recentCount++;
    }
    return recentCount == 0 ? Double.NaN : recent / recentCount;
  }

  /** Random scenes and the captioning loss (with its REINFORCE baseline), for the {@link TrainingEngine}. */
  private record Task(ShowAttendTell model, Corpus data, Config config, Reinforce.MovingAverageBaseline baseline)
      implements TrainingTask<int[]> {
    @Override
    public String name() {
      return "show-attend-tell-" + model.kind().toString().toLowerCase(Locale.ROOT);
    }

    @Override
    public int[] batch(long step, long stepSeed) {
      return new SplittableRandom(stepSeed).ints(config.batch(), 0, data.size()).toArray();
    }

    @Override
    public TrainingTask.Loss loss(int[] rows, Device device) {
      return TrainingTask.Loss.of(CaptionTraining.loss(model, device.put(data.images(rows)),
          device.put(data.tokens(rows)), config, baseline));
    }

    @Override
    public Map<String, Double> state() {
      return Map.of("baseline", baseline.value(), "baseline_started", baseline.started() ? 1.0 : 0.0);
    }

    @Override
    public void restoreState(Map<String, Double> state) {
      baseline.restore(state.getOrDefault("baseline", 0.0), state.getOrDefault("baseline_started", 0.0) > 0);
    }
  }

  /** The training loss of one batch (see the class comment). */
  static Tensor loss(ShowAttendTell model, Tensor images, Tensor tokens, Config config,
      Reinforce.MovingAverageBaseline baseline) {
    ShowAttendTell.Output out = model.forward(images, tokens);
    Tensor targets = tokens.narrow(1, 1, tokens.size(1) - 1);
    long batch = targets.size(0);
    long steps = targets.size(1);
    Tensor mask = targets.ne(new Scalar(SceneCaptions.PAD_ID)).to(DType.FLOAT32.scalarType());
    Tensor nll = torch.cross_entropy_loss(out.logits().reshape(batch * steps, -1), targets.reshape(-1),
        new TensorOptional(), 0, SceneCaptions.PAD_ID, 0.0).view(batch, steps);
    Tensor words = mask.sum();
    Tensor perCaption = sumOver(nll, 1);
    Tensor loss = perCaption.sum().div(words);
    if (model.kind() == ShowAttendTell.Kind.SOFT) {
      Tensor attended = sumOver(out.alphas().mul(mask.unsqueeze(2)), 1);
      Tensor gap = attended.sub(new Scalar(1.0)).pow(new Scalar(2.0)).mean();
      loss = loss.add(gap.mul(new Scalar(config.doublyStochastic())));
    } else {
      double meanLength = words.item_double() / batch;
      Tensor choices = sumOver(out.choiceLogProbs().mul(mask), 1);
      Tensor reinforce = baseline.loss(choices, perCaption.neg()).div(new Scalar(meanLength));
      Tensor entropy = out.entropies().mul(mask).sum().div(words);
      loss = loss.add(reinforce).sub(entropy.mul(new Scalar(config.entropyBonus())));
    }
    return loss;
  }

  private static Tensor sumOver(Tensor t, long dim) {
    return t.sum(new long[] {dim}, false, new ScalarTypeOptional());
  }

  /** Greedy captions of every image of {@code data}, scored against the generated references. */
  public static Evaluation evaluate(ShowAttendTell model, Corpus data, int keepSamples) {
    model.eval();
    List<List<String>> generated = new ArrayList<>();
    List<Sample> samples = new ArrayList<>();
    int locations = model.config().grid() * model.config().grid();
    try (NoGradGuard g = new NoGradGuard()) {
      for (int from = 0; from < data.size(); from += 64) {
        int n = Math.min(64, data.size() - from);
        int[] rows = java.util.stream.IntStream.range(from, from + n).toArray();
        List<float[]> stepAttention = new ArrayList<>();
        List<Decoding.Hypothesis> hyps;
        try (Scope s = Scope.open()) {
          Tensor annotations = model.encode(data.images(rows));
          ShowAttendTell.DecoderState initial =
              new ShowAttendTell.DecoderState(model.initialState(annotations), annotations);
          hyps = Decoding.greedy(model.stepDecoder(stepAttention::add), initial, n, SceneCaptions.BOS_ID,
              SceneCaptions.EOS_ID, MAX_TOKENS);
        }
        for (int i = 0; i < n; i++) {
          List<String> words = SceneCaptions.decode(hyps.get(i).tokens());
          List<String> ref = data.captions().get(from + i);
          generated.add(words);
          if (samples.size() < keepSamples) {
            List<float[]> maps = new ArrayList<>();
            for (int t = 0; t < words.size(); t++) {
              maps.add(java.util.Arrays.copyOfRange(stepAttention.get(t), i * locations, (i + 1) * locations));
            }
            samples.add(new Sample(data.images().get(from + i), ref, words, List.copyOf(maps)));
          }
        }
      }
    }
    return score(generated, data.captions(), samples);
  }

  /** BLEU-4, exact match and content accuracy of {@code generated} against one reference each. */
  static Evaluation score(List<List<String>> generated, List<List<String>> references, List<Sample> samples) {
    int exact = 0;
    int content = 0;
    int contentTotal = 0;
    List<List<List<String>>> refs = new ArrayList<>();
    for (int i = 0; i < generated.size(); i++) {
      List<String> words = generated.get(i);
      List<String> ref = references.get(i);
      refs.add(List.of(ref));
      exact += words.equals(ref) ? 1 : 0;
      for (int k = 0; k < ref.size(); k++) {
        if (isContent(ref.get(k))) {
          contentTotal++;
          content += k < words.size() && words.get(k).equals(ref.get(k)) ? 1 : 0;
        }
      }
    }
    return new Evaluation(Bleu.corpusBleu4(generated, refs), (double) exact / generated.size(),
        contentTotal == 0 ? 0 : (double) content / contentTotal, List.copyOf(samples));
  }

  /**
   * What a captioner that ignores the image can reach: greedy decoding of the ideal caption-only
   * model picks, after each prefix, the word that most often follows it in the training captions,
   * so it writes one fixed caption for every image. Returns that caption scored on {@code test}.
   */
  public static Evaluation captionOnlyBaseline(Corpus train, Corpus test) {
    List<String> caption = new ArrayList<>();
    while (true) {
      java.util.Map<String, Integer> next = new java.util.HashMap<>();
      for (List<String> c : train.captions()) {
        if (c.size() >= caption.size() && c.subList(0, caption.size()).equals(caption)) {
          next.merge(c.size() == caption.size() ? SceneCaptions.EOS : c.get(caption.size()), 1, Integer::sum);
        }
      }
      String best = next.entrySet().stream().max(java.util.Map.Entry.<String, Integer>comparingByValue()
          .thenComparing(java.util.Map.Entry.comparingByKey())).orElseThrow().getKey();
      if (best.equals(SceneCaptions.EOS)) {
        break;
      }
      caption.add(best);
    }
    return score(java.util.Collections.nCopies(test.size(), List.copyOf(caption)), test.captions(), List.of());
  }

  private static boolean isContent(String word) {
    return SceneCaptions.COLOURS.contains(word) || ShapesDataset.SHAPES.contains(word);
  }
}
