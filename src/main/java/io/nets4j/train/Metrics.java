package io.nets4j.train;

import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** Accuracy counts computed from logits. */
public final class Metrics {
  private Metrics() {}

  /**
   * How many rows of {@code logits} {@code [N, classes]} have their true class (from
   * {@code labels} {@code [N]}) among their {@code k} highest scores. Ties are broken as by
   * {@code torch.topk}.
   */
  public static long topKCorrect(Tensor logits, Tensor labels, int k) {
    if (k < 1 || k > logits.size(1)) {
      throw new IllegalArgumentException("top-" + k + " needs 1 <= k <= " + logits.size(1) + " classes");
    }
    if (logits.dim() != 2 || labels.dim() != 1 || labels.size(0) != logits.size(0)) {
      throw new IllegalArgumentException("expected logits [N, classes] and labels [N], got "
          + Tensors.describe(logits) + " and " + Tensors.describe(labels));
    }
    Tensor top = Tensors.owned(torch.topk(logits, k, 1, true, true))[1];
    return top.eq(labels.unsqueeze(1)).any(1).sum().item_long();
  }
}
