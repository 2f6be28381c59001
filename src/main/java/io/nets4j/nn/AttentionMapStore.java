package io.nets4j.nn;

import io.nets4j.tensor.Scope;
import org.bytedeco.pytorch.Tensor;

/**
 * The state behind {@link RecordsAttention}: whether recording is on and the last map. A kept map
 * is detached from the autograd graph and from every {@link Scope}, so it stays readable after
 * the scope of the forward pass closes (the garbage collector frees it once it is replaced).
 */
public final class AttentionMapStore {
  private boolean recording;
  private Tensor last;

  public void setRecording(boolean on) {
    recording = on;
    if (!on) {
      last = null;
    }
  }

  public boolean isRecording() {
    return recording;
  }

  /** Keeps {@code attention} if recording is on, and returns it unchanged for further use. */
  public Tensor keep(Tensor attention) {
    if (recording) {
      last = Scope.detachFromScopes(attention.detach());
    }
    return attention;
  }

  public Tensor last() {
    return last;
  }
}
