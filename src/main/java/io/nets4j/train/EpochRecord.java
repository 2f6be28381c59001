package io.nets4j.train;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * The metrics of one epoch, as printed and as written to {@code metrics.jsonl}. Validation
 * fields are {@code null} when the run has no validation data.
 *
 * @param epoch 1-based epoch number
 * @param step optimizer steps done at the end of the epoch
 * @param trainLoss mean training loss over the epoch's batches (with label smoothing, auxiliary terms)
 * @param trainAccuracy training top-1 accuracy (in training mode, against the hard or mixed labels' top class)
 * @param valLoss validation cross-entropy
 * @param valTop1 validation top-1 accuracy
 * @param valTop5 validation top-5 accuracy (top-k with k = classes if fewer than 5)
 * @param lr learning rate of the epoch's last step
 * @param seconds wall time of the epoch including validation
 * @param imagesPerSecond training throughput
 * @param skippedSteps steps skipped for a non-finite loss
 */
@JsonInclude(JsonInclude.Include.ALWAYS)
public record EpochRecord(int epoch, long step, @JsonProperty("train_loss") double trainLoss,
    @JsonProperty("train_acc") double trainAccuracy, @JsonProperty("val_loss") Double valLoss,
    @JsonProperty("val_top1") Double valTop1, @JsonProperty("val_top5") Double valTop5, double lr, double seconds,
    @JsonProperty("images_per_second") double imagesPerSecond, @JsonProperty("skipped_steps") long skippedSteps) {}
