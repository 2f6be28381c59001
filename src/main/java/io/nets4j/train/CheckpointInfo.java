package io.nets4j.train;

import java.util.List;

/**
 * The JSON part of a checkpoint ({@code checkpoint.json}): where the run stands and everything
 * needed to continue it exactly. Tensors (weights, optimizer state, generator state) are in the
 * checkpoint's safetensors files.
 *
 * @param format {@value Checkpoints#FORMAT}
 * @param model the model's registry name (or type)
 * @param epoch the epoch in progress (0-based); equals the number of finished epochs when {@code batch} is 0
 * @param batch batches of that epoch already trained on
 * @param step optimizer steps done
 * @param config the run's settings
 * @param schedule the learning-rate schedule, as described when the run started
 * @param optimizerLayout the optimizer's parameters (group, name, shape) the saved state refers to
 * @param epochProgress the running sums of the epoch in progress
 * @param bestMetric the best value of the monitored metric so far ({@code null} if none)
 * @param bestEpoch the 1-based epoch of {@code bestMetric} (0 if none)
 * @param epochsWithoutImprovement epochs since the monitored metric last improved
 * @param history the metrics of every finished epoch
 */
public record CheckpointInfo(String format, String model, int epoch, int batch, long step, TrainConfig config,
    String schedule, List<String> optimizerLayout, EpochProgress epochProgress, Double bestMetric, int bestEpoch,
    int epochsWithoutImprovement, List<EpochRecord> history) {
  /**
   * Running sums of an epoch, saved so that an epoch interrupted and resumed reports what it
   * would have reported uninterrupted.
   *
   * @param lossSum sum of the step losses
   * @param correct correctly classified training images
   * @param images training images seen
   * @param steps steps done (skipped ones included)
   * @param skipped steps skipped
   * @param seconds training time spent
   */
  public record EpochProgress(double lossSum, long correct, long images, long steps, long skipped, double seconds) {
    static final EpochProgress ZERO = new EpochProgress(0, 0, 0, 0, 0, 0);
  }
}
