package io.nets4j.models;

import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.Layer;
import io.nets4j.nn.LayerNorm;
import io.nets4j.nn.Linear;
import io.nets4j.nn.Module;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Test helper: counts the multiply-accumulates (MACs) of one forward pass of a transformer, to
 * compare with the "FLOPs" papers report (which are MACs), independently of the model summary.
 *
 * <ul>
 *   <li>{@code layers}: every {@link Conv2d} ({@code output elements x in/groups x kh x kw}) and
 *       {@link Linear} ({@code output elements x in_features}), seen by a {@link Layer.ForwardObserver};
 *       bias additions are not counted.
 *   <li>{@code attention}: the two matrix products of every attention module, {@code q k^T} and
 *       {@code weights v}. Each costs {@code Tq x Tk x d_head} per head, so {@code 2 x Tq x Tk x width}
 *       per image (or window), where {@code [..., Tq, Tk]} is the shape of the module's recorded
 *       attention map and {@code width = heads x d_head} the input width of its output projection
 *       {@code proj}. The official CvT counter ({@code Attention.compute_macs}) counts them the same way.
 *   <li>{@code norms}: one MAC per output element of BatchNorm and LayerNorm (their scale and shift).
 * </ul>
 * Papers' FLOPs are compared with {@code layers + attention}; activations, softmax, pooling and
 * residual additions are not counted at all (each linear in the number of elements, under 1% here).
 */
final class TransformerMacs {
  private TransformerMacs() {}

  record Macs(long layers, long attention, long norms) {
    /** Convolutions, linear layers and attention products: the quantity papers report as FLOPs. */
    long paperConvention() {
      return layers + attention;
    }
  }

  /** MACs of {@code model} on one {@code 3 x size x size} image. */
  static Macs count(Layer model, int size) {
    return count(model, 1, 3, size, size);
  }

  static Macs count(Layer model, long... inputShape) {
    model.eval();
    long[] layers = new long[1];
    long[] norms = new long[1];
    Layer.ForwardObserver observer = (layer, in, out) -> {
      if (layer instanceof Conv2d c) {
        layers[0] += out.numel() * (c.inChannels() / c.spec().groups()) * c.spec().kernelH() * c.spec().kernelW();
      } else if (layer instanceof Linear l) {
        layers[0] += out.numel() * l.inFeatures();
      } else if (layer instanceof BatchNorm2d || layer instanceof LayerNorm) {
        norms[0] += out.numel();
      }
    };
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      Tensor x = Tensors.zeros(DType.FLOAT32, inputShape);
      Map<String, Tensor> maps = Layer.observe(observer, () -> AttentionMaps.of(model, x));
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
      return new Macs(layers[0], attention, norms[0]);
    }
  }
}
