package io.nets4j.sequence.tasks;

import io.nets4j.sequence.Transformer;
import io.nets4j.train.LrSchedule;
import java.util.List;

/**
 * The models of the date task with their default sizes, learning rates, schedules and step limits
 * ({@code nets4j seq2seq} stops early once the held-out exact match reaches its target). Measured
 * (docs/sequence-models.md): the Bahdanau model reached 100% at step 500 of its default run, the
 * Transformer 99.66% after 6,250 steps (12 minutes on a shared 2-core machine).
 */
public enum DateModels {
  /** Bidirectional GRU encoder, attentive GRU decoder (Bahdanau et al. 2015). */
  BAHDANAU(8000, 2e-3, 0),
  /**
   * A small pre-norm Transformer encoder-decoder (Vaswani et al. 2017), with the warm-up its
   * training needs and a cosine decay: at a constant 1e-3 it reached 94.5% in 7,400 steps.
   */
  TRANSFORMER(8000, 2e-3, 0.05);

  private final int defaultSteps;
  private final double learningRate;
  private final double warmupFraction;

  DateModels(int defaultSteps, double learningRate, double warmupFraction) {
    this.defaultSteps = defaultSteps;
    this.learningRate = learningRate;
    this.warmupFraction = warmupFraction;
  }

  /**
   * The learning-rate schedule over {@code steps}: constant, or a linear warm-up over the model's
   * fraction of the steps followed by cosine decay to 0.
   */
  public LrSchedule schedule(int steps) {
    if (warmupFraction == 0) {
      return LrSchedule.constant();
    }
    long warmup = Math.round(warmupFraction * steps);
    return LrSchedule.cosine(steps - warmup, 0).afterWarmup(warmup, 0.01);
  }

  public int defaultSteps() {
    return defaultSteps;
  }

  public double learningRate() {
    return learningRate;
  }

  /** A new, untrained model with the task's vocabularies and source length limit. */
  public Seq2SeqModel create() {
    CharVocabulary source = CharVocabulary.of(DateTask.alphabet());
    CharVocabulary target = CharVocabulary.of(List.of("0123456789-"));
    return switch (this) {
      case BAHDANAU -> new BahdanauSeq2Seq(source, target, DateTask.MAX_SOURCE_LENGTH, new BahdanauSeq2Seq.Config(32, 64));
      case TRANSFORMER -> new TransformerSeq2Seq(source, target, DateTask.MAX_SOURCE_LENGTH,
          Transformer.Config.builder().size(64, 4, 128).layers(2, 2).dropout(0.0).normFirst(true).build());
    };
  }
}
