package io.nets4j.train;

import java.nio.file.Path;
import java.util.List;

/**
 * The outcome of {@link Trainer#fit}.
 *
 * @param history every epoch's metrics (including those before a resume)
 * @param lastEvaluation the validation of the last finished epoch ({@code null} without validation data)
 * @param steps optimizer steps done in total
 * @param stopped whether the run stopped on request (Ctrl-C) before its last epoch
 * @param earlyStopped whether early stopping ended it
 * @param lastCheckpoint the newest checkpoint ({@code null} without a run directory)
 * @param bestCheckpoint the checkpoint with the best validation metric ({@code null} if none)
 */
public record TrainResult(List<EpochRecord> history, Evaluation lastEvaluation, long steps, boolean stopped,
    boolean earlyStopped, Path lastCheckpoint, Path bestCheckpoint) {}
