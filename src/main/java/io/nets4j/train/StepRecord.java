package io.nets4j.train;

/**
 * One optimizer step, as seen by {@link Trainer.StepListener}s.
 *
 * @param step 0-based optimizer step
 * @param epoch 0-based epoch
 * @param batch 0-based batch within the epoch
 * @param loss the step's training loss
 * @param correct images of the batch whose top class was right
 * @param images images in the batch
 * @param lr the learning rate used
 * @param gradNorm the gradient norm before clipping (NaN without clipping)
 * @param skipped whether the step was skipped for a non-finite loss
 */
public record StepRecord(long step, int epoch, int batch, double loss, long correct, int images, double lr,
    double gradNorm, boolean skipped) {}
