package io.nets4j.models;

import io.nets4j.nn.Conv2d;
import io.nets4j.nn.HasAttentionWeights;
import io.nets4j.nn.Layer;
import io.nets4j.nn.Linear;
import io.nets4j.nn.Module;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Counts the multiply-accumulates (MACs) of one forward pass of a transformer, for comparing with
 * the "FLOPs" that papers report (which are MACs).
 *
 * <p>Counted: every {@link Conv2d} ({@code output elements x in/groups x kh x kw}), every
 * {@link Linear} ({@code output elements x in_features}), seen through a {@link Layer.ForwardObserver};
 * and the two matrix products of every attention module, {@code q k^T} and {@code weights v}: each
 * costs {@code Tq x Tk x d_head} per head, so {@code 2 x Tq x Tk x width} per image, where
 * {@code [.., Tq, Tk]} is the shape of the module's recorded attention map and {@code width = heads x
 * d_head} is the input width of its output projection {@code proj}. Not counted: biases,
 * normalisation, activations, softmax, pooling and residual additions (each linear in the number of
 * elements, well under 1% here). This is the convention of the official CvT counter
 * ({@code Attention.compute_macs}).
 */
final class MacCounter {
  private MacCounter() {}

  record Macs(long layers, long attention) {
    long total() {
      return layers + attention;
    }
  }

  /** MACs of {@code model} on one {@code 3 x size x size} image. */
  static Macs count(ImageClassifier model, int size) {
    model.eval();
    long[] layerMacs = new long[1];
    Layer.ForwardObserver observer = (layer, in, out) -> {
      if (layer instanceof Conv2d c) {
        layerMacs[0] += out.numel() * (c.inChannels() / c.spec().groups()) * c.spec().kernelH() * c.spec().kernelW();
      } else if (layer instanceof Linear l) {
        layerMacs[0] += out.numel() * l.inFeatures();
      }
    };
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      Tensor x = Tensors.zeros(DType.FLOAT32, 1, 3, size, size);
      Map<String, Tensor> maps = Layer.observe(observer, () -> HasAttentionWeights.capture(model, () -> model.forward(x)));
      Map<String, Module> modules = model.namedModules();
      long attention = 0;
      for (Map.Entry<String, Tensor> e : maps.entrySet()) {
        long width = ((Linear) modules.get(e.getKey()).children().get("proj")).inFeatures();
        long[] shape = Tensors.shape(e.getValue());
        int r = shape.length;
        long images = 1;
        for (int i = 0; i < r - 3; i++) {
          images *= shape[i];
        }
        attention += 2 * images * shape[r - 2] * shape[r - 1] * width;
      }
      return new Macs(layerMacs[0], attention);
    }
  }
}
