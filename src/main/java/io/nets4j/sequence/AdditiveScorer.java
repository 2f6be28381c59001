package io.nets4j.sequence;

import io.nets4j.nn.AttentionMapStore;
import io.nets4j.nn.F;
import io.nets4j.nn.KeepsAttentionMaps;
import io.nets4j.nn.LayerException;
import io.nets4j.nn.Linear;
import io.nets4j.nn.Module;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import java.util.Arrays;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Bahdanau's additive score {@code v_a^T tanh(W_a s + U_a h_j)} (Bahdanau, Cho and Bengio 2015)
 * with its parameters {@code Wa}, {@code Ua}, {@code Va}: what soft ({@link AdditiveAttention})
 * and hard ({@link HardAttention}) attention share, so that the two load the same weights.
 */
abstract sealed class AdditiveScorer extends Module implements KeepsAttentionMaps
    permits AdditiveAttention, HardAttention {
  private final Linear wa;
  private final Linear ua;
  private final Linear va;
  private final AttentionMapStore attentionMap = new AttentionMapStore();

  AdditiveScorer(int queryDim, int keyDim, int attentionDim) {
    wa = register("Wa", new Linear(queryDim, attentionDim));
    ua = register("Ua", new Linear(keyDim, attentionDim));
    va = register("Va", new Linear(attentionDim, 1));
  }

  final int queryDim() {
    return wa.inFeatures();
  }

  /** The unnormalised scores {@code [B, S]} or {@code [B, L, S]}, {@code -inf} at padding. */
  final Tensor additiveScores(Tensor query, Tensor keys, Tensor keyPaddingMask) {
    if (keys.dim() != 3 || keys.size(2) != ua.inFeatures()) {
      throw new LayerException(this, "expected keys of shape [batch, keys, " + ua.inFeatures() + "], got "
          + Tensors.describe(keys));
    }
    long batch = keys.size(0);
    if ((query.dim() != 2 && query.dim() != 3) || query.size(0) != batch || query.size(-1) != wa.inFeatures()) {
      throw new LayerException(this, "expected query of shape [" + batch + ", " + wa.inFeatures() + "] or ["
          + batch + ", queries, " + wa.inFeatures() + "], got " + Tensors.describe(query));
    }
    Tensor q = query.dim() == 2 ? query.unsqueeze(1) : query;
    Tensor hidden = F.tanh(wa.forward(q).unsqueeze(2).add(ua.forward(keys).unsqueeze(1)));
    Tensor scores = va.forward(hidden).squeeze(-1);
    if (keyPaddingMask != null) {
      long[] expected = {batch, keys.size(1)};
      if (!Arrays.equals(Tensors.shape(keyPaddingMask), expected) || Tensors.dtype(keyPaddingMask) != DType.BOOL) {
        throw new LayerException(this, "expected a boolean key padding mask of shape " + Tensors.describe(expected)
            + ", got " + Tensors.dtype(keyPaddingMask).torchName() + " " + Tensors.describe(keyPaddingMask));
      }
      scores = scores.masked_fill(keyPaddingMask.unsqueeze(1), new Scalar(Double.NEGATIVE_INFINITY));
    }
    return query.dim() == 2 ? scores.squeeze(1) : scores;
  }

  final void checkValues(Tensor keys, Tensor values) {
    if (values.dim() != 3 || values.size(0) != keys.size(0) || values.size(1) != keys.size(1)) {
      throw new LayerException(this, "expected values of shape [" + keys.size(0) + ", " + keys.size(1)
          + ", features] to match the keys " + Tensors.describe(keys) + ", got " + Tensors.describe(values));
    }
  }

  /**
   * The recording state; its map is the attention distribution ({@code [B, S]}, or {@code [B, L, S]}
   * for several queries) of the last call made while recording.
   */
  @Override
  public final AttentionMapStore attentionMaps() {
    return attentionMap;
  }
}
