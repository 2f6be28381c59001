package io.nets4j.train;

import io.nets4j.nn.Module;
import io.nets4j.tensor.Device;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * What a task gives the {@link TrainingEngine}: its model, its batches, its loss and (optionally)
 * its evaluation. Everything else of a training run (the optimizer step, clipping, autocast, the
 * NaN policy, logs, progress, checkpoints and resuming) is the engine's.
 *
 * <p><b>Batches are a function of the step.</b> {@link #batch} gets the step number and a seed
 * derived from the run's seed and that step only, so that a resumed run draws exactly the batches
 * the uninterrupted run draws without replaying the data; batches hold Java data (indices,
 * samples, arrays), not tensors, so that the engine can prepare the next one on another thread
 * while the current step runs.
 *
 * @param <B> the batch type
 */
public interface TrainingTask<B> {
  /** The model; the engine trains its trainable parameters (frozen ones stay as they are). */
  Module model();

  /** The name recorded in checkpoints and checked on resume (the model's registry name, say). */
  String name();

  /**
   * The batch of step {@code step} (0-based), drawn from {@code stepSeed} alone. May run on a loader
   * thread: it must not create tensors nor touch state that {@link #loss} changes.
   */
  B batch(long step, long stepSeed);

  /**
   * The forward pass and loss of {@code batch}, on the training thread inside the step's scope
   * (under autocast when the run asks for bfloat16). Input tensors go to {@code device} with
   * {@link Device#put}.
   */
  Loss loss(B batch, Device device);

  /** Held-out metrics, run in evaluation mode without gradients; none by default. */
  default Map<String, Double> evaluate() {
    return Map.of();
  }

  /**
   * State the loss carries from step to step besides the model and the optimizer (a REINFORCE
   * baseline, say), saved in checkpoints and given back to {@link #restoreState} on resume.
   */
  default Map<String, Double> state() {
    return Map.of();
  }

  /** Restores what {@link #state} returned. */
  default void restoreState(Map<String, Double> state) {}

  /**
   * A step's loss and its named terms (for logs; they are not differentiated).
   *
   * @param total the scalar that is minimised
   * @param terms the values of its parts by name, in log order (may be empty)
   */
  record Loss(Tensor total, Map<String, Double> terms) {
    public Loss {
      terms = Collections.unmodifiableMap(new LinkedHashMap<>(terms));
    }

    /** A loss without named terms. */
    public static Loss of(Tensor total) {
      return new Loss(total, Map.of());
    }
  }
}
