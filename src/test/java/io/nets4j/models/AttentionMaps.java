package io.nets4j.models;

import io.nets4j.nn.Layer;
import io.nets4j.nn.RecordsAttention;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/** Test helper: the attention maps of one forward pass, by module path. */
final class AttentionMaps {
  private AttentionMaps() {}

  /** Runs {@code model} on {@code x} with every attention module recording, then switches recording off. */
  static Map<String, Tensor> of(Layer model, Tensor x) {
    RecordsAttention.recordAll(model, true);
    try {
      model.forward(x);
      return RecordsAttention.lastAttentions(model);
    } finally {
      RecordsAttention.recordAll(model, false);
    }
  }
}
