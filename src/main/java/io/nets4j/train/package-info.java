/**
 * Training image classifiers: the {@link Trainer} loop (optimizers, learning-rate schedules, label
 * smoothing, mixup/cutmix, bfloat16 autocast, early stopping, NaN handling), the run directory it
 * writes (metrics, plots, evaluation) and its checkpoints, which resume bit for bit
 * ({@link Checkpoints}, written atomically by {@link AtomicFiles}), fine-tuning of pretrained
 * weights ({@link FineTuning}) and evaluation with per-class metrics ({@link Evaluator}).
 */
package io.nets4j.train;
