package io.nets4j.nn;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * An attention module that can hand back its attention weights, e.g. to render attention maps or
 * compute attention rollout (Abnar and Zuidema 2020).
 *
 * <p>Recording is off by default, so the forward pass uses libtorch's fused attention kernel. To
 * look at the maps of a whole model:
 *
 * <pre>{@code
 * try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
 *   Map<String, Tensor> maps = HasAttentionWeights.capture(model, () -> model.forward(image));
 *   Tensor first = maps.get("encoder.layers.encoder_layer_0.self_attention"); // [N, heads, 197, 197]
 * }
 * }</pre>
 *
 * or switch recording on for a longer time with {@link #recordAll} and read each module's
 * {@link #attentionWeights()} after every forward pass. Each family documents the shape of its maps
 * (token order, windows).
 */
public interface HasAttentionWeights {
  /** The attention computation of this module, which keeps the recording state. */
  DotProductAttention attentionKernel();

  /** Switches recording of this module's attention weights on or off. */
  default void recordAttentionWeights(boolean on) {
    attentionKernel().record(on);
  }

  default boolean isRecordingAttentionWeights() {
    return attentionKernel().isRecording();
  }

  /**
   * The softmax map of the last forward pass made while recording, {@code [..., queries, keys]},
   * or {@code null} (see {@link DotProductAttention#weights()}).
   */
  default Tensor attentionWeights() {
    return attentionKernel().weights();
  }

  /** Switches recording on or off for every attention module under {@code root}; returns their number. */
  static int recordAll(Module root, boolean on) {
    int n = 0;
    for (Module m : root.namedModules().values()) {
      if (m instanceof HasAttentionWeights a) {
        a.recordAttentionWeights(on);
        n++;
      }
    }
    return n;
  }

  /** The recorded maps of every attention module under {@code root}, by module path, in model order. */
  static Map<String, Tensor> collect(Module root) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    root.namedModules().forEach((path, m) -> {
      if (m instanceof HasAttentionWeights a) {
        Tensor w = a.attentionWeights();
        if (w != null) {
          out.put(path, w);
        }
      }
    });
    return out;
  }

  /**
   * Runs {@code forward} with every attention module under {@code root} recording, and returns
   * their maps by module path; each module's recording setting is then restored.
   */
  static Map<String, Tensor> capture(Module root, Runnable forward) {
    Map<HasAttentionWeights, Boolean> previous = new LinkedHashMap<>();
    for (Module m : root.namedModules().values()) {
      if (m instanceof HasAttentionWeights a) {
        previous.put(a, a.isRecordingAttentionWeights());
        a.recordAttentionWeights(true);
      }
    }
    try {
      forward.run();
      return collect(root);
    } finally {
      previous.forEach(HasAttentionWeights::recordAttentionWeights);
    }
  }
}
