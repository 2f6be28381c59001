package io.nets4j.inference;

import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.Layer;
import io.nets4j.nn.Sequential;
import io.nets4j.tensor.Scope;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * Finds the convolution / batch-norm pairs of a model by watching one forward pass, and folds them.
 *
 * <p>A batch norm is paired with a convolution when the tensor it normalises is exactly the
 * convolution's output (the same TensorImpl), both layers run once in the pass, and no other layer
 * reads that output or a view of it. The pass only shows layer calls: a model that also uses a
 * convolution's raw output outside any layer (e.g. {@code bn(y) + y} written as tensor code) would
 * be folded wrongly, so every registered model is checked by a test that compares outputs.
 * Batch norms applied through {@code F.batchNorm} rather than a {@link BatchNorm2d} layer, and
 * batch norms after linear layers, are left as they are.
 */
public final class BatchNormFolding {
  /** A convolution and the batch norm that reads its output. */
  public record Pair(Conv2d conv, BatchNorm2d batchNorm) {
    @Override
    public String toString() {
      return conv.path() + " <- " + batchNorm.path();
    }
  }

  private record Call(Layer layer, Tensor input, Tensor output) {}

  private BatchNormFolding() {}

  /** The foldable pairs of {@code model} (in evaluation mode) for an input like {@code example}. */
  public static List<Pair> find(Layer model, Tensor example) {
    List<Call> calls = new ArrayList<>();
    Map<Layer, Integer> counts = new IdentityHashMap<>();
    List<Pair> pairs = new ArrayList<>();
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      // the recorded tensors stay alive until the scope closes, so no TensorImpl address is reused
      Layer.observe((layer, in, out) -> {
        calls.add(new Call(layer, in, out));
        counts.merge(layer, 1, Integer::sum);
      }, () -> model.forward(example));
      Map<Long, Integer> readers = new HashMap<>();
      for (Call c : calls) {
        if (!passesInputOn(c.layer())) {
          readers.merge(impl(c.input()), 1, Integer::sum);
        }
      }
      Map<Long, Conv2d> producers = new HashMap<>();
      for (Call c : calls) {
        if (c.layer() instanceof Conv2d conv && counts.get(conv) == 1) {
          producers.put(impl(c.output()), conv);
        }
      }
      for (Call c : calls) {
        if (!(c.layer() instanceof BatchNorm2d bn) || counts.get(bn) != 1 || bn.isFolded()) {
          continue;
        }
        Conv2d conv = producers.get(impl(c.input()));
        if (conv != null && readers.get(impl(c.input())) == 1 && !readByView(calls, c)) {
          pairs.add(new Pair(conv, bn));
        }
      }
    }
    return pairs;
  }

  /**
   * Whether the layer only hands its input to its first child (a plain {@link Sequential}), so that
   * its call is not a reader of its own.
   */
  private static boolean passesInputOn(Layer layer) {
    if (!(layer instanceof Sequential)) {
      return false;
    }
    for (Class<?> c = layer.getClass(); c != Sequential.class; c = c.getSuperclass()) {
      for (java.lang.reflect.Method m : c.getDeclaredMethods()) {
        if (m.getName().equals("compute")) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean readByView(List<Call> calls, Call bnCall) {
    for (Call c : calls) {
      if (c != bnCall && !passesInputOn(c.layer()) && !c.input().is_same(bnCall.input())
          && c.input().is_alias_of(bnCall.input())) {
        return true;
      }
    }
    return false;
  }

  private static long impl(Tensor t) {
    return t.unsafeGetTensorImpl().address();
  }

  /** Finds and folds the pairs of {@code model} (in evaluation mode, changed in place); returns them. */
  public static List<Pair> fold(Layer model, Tensor example) {
    if (model.isTraining()) {
      throw new IllegalArgumentException("batch norm folding needs a model in evaluation mode (call eval())");
    }
    List<Pair> pairs = find(model, example);
    for (Pair p : pairs) {
      p.conv().fuseBatchNorm(p.batchNorm());
    }
    return pairs;
  }
}
