package io.nets4j.nn;

import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * An attention module that can hand back the attention weights (the softmax map) of its last
 * forward pass, for inspection and visualisation.
 *
 * <p>Recording is off by default: the module then runs libtorch's fused
 * {@code scaled_dot_product_attention} (or its cheapest equivalent), which never materialises the
 * map. With recording on, the module computes the map explicitly, uses it for its output (the same
 * function, up to rounding) and keeps a detached copy, readable with {@link #lastAttention()}.
 * Each implementation documents the shape of its map.
 *
 * <pre>{@code
 * RecordsAttention.recordAll(model, true);
 * model.forward(images);
 * Map<String, Tensor> maps = RecordsAttention.lastAttentions(model); // by layer path
 * }</pre>
 */
public interface RecordsAttention {
  /** Turns recording of the attention map on or off; turning it off drops the kept map. */
  void recordAttention(boolean on);

  boolean isRecordingAttention();

  /** The attention map of the last forward pass made while recording, or {@code null}. */
  Tensor lastAttention();

  /** Turns recording on or off in every attention module of {@code root} (itself included). */
  static void recordAll(Module root, boolean on) {
    for (Module m : root.namedModules().values()) {
      if (m instanceof RecordsAttention a) {
        a.recordAttention(on);
      }
    }
  }

  /** Every attention module of {@code root}, by path relative to {@code root}, in model order. */
  static Map<String, RecordsAttention> find(Module root) {
    Map<String, RecordsAttention> out = new LinkedHashMap<>();
    root.namedModules().forEach((path, m) -> {
      if (m instanceof RecordsAttention a) {
        out.put(path, a);
      }
    });
    return out;
  }

  /** The recorded maps of every attention module of {@code root} that has one, by path. */
  static Map<String, Tensor> lastAttentions(Module root) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    find(root).forEach((path, a) -> {
      Tensor t = a.lastAttention();
      if (t != null) {
        out.put(path, t);
      }
    });
    return out;
  }
}
