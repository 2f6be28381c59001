package io.nets4j.nn;

import org.bytedeco.pytorch.Tensor;

/**
 * A {@link RecordsAttention} whose recording state is one {@link AttentionMapStore}, usually the
 * {@link DotProductAttention#maps()} of the module's attention kernel: the three methods of
 * {@link RecordsAttention} delegate to it.
 */
public interface KeepsAttentionMaps extends RecordsAttention {
  /** The store of the recording flag and of the last map. */
  AttentionMapStore attentionMaps();

  @Override
  default void recordAttention(boolean on) {
    attentionMaps().setRecording(on);
  }

  @Override
  default boolean isRecordingAttention() {
    return attentionMaps().isRecording();
  }

  @Override
  default Tensor lastAttention() {
    return attentionMaps().last();
  }
}
