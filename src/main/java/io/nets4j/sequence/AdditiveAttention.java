package io.nets4j.sequence;

import io.nets4j.nn.AttentionMapStore;
import io.nets4j.nn.F;
import io.nets4j.nn.KeepsAttentionMaps;
import io.nets4j.nn.LayerException;
import io.nets4j.nn.LayerGuard;
import io.nets4j.nn.Linear;
import io.nets4j.nn.Module;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import java.util.Arrays;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;

/**
 * Additive attention (Bahdanau, Cho and Bengio 2015, "Neural Machine Translation by Jointly
 * Learning to Align and Translate"): the score of key {@code h_j} for query {@code s} is
 * {@code v_a^T tanh(W_a s + U_a h_j)}, normalised by a softmax over the keys. Parameters are named
 * after the paper, as in PyTorch's sequence-to-sequence tutorial: {@code Wa}, {@code Ua},
 * {@code Va} (linear layers with biases).
 *
 * <p>Queries are {@code [B, Dq]} (one decoder step) or {@code [B, L, Dq]}; keys {@code [B, S, Dk]};
 * values, by default the keys, {@code [B, S, Dv]}. The optional key padding mask {@code [B, S]} is
 * {@code true} at padding, as PyTorch's {@code key_padding_mask}.
 */
public final class AdditiveAttention extends Module implements KeepsAttentionMaps {
  /** The attended values ({@code context}) and the attention weights over the keys. */
  public record Result(Tensor context, Tensor weights) {}

  private final Linear wa;
  private final Linear ua;
  private final Linear va;
  private final AttentionMapStore attentionMap = new AttentionMapStore();

  /**
   * @param queryDim width of the queries (the decoder state)
   * @param keyDim width of the keys (the encoder annotations)
   * @param attentionDim width of the hidden layer of the score
   */
  public AdditiveAttention(int queryDim, int keyDim, int attentionDim) {
    wa = register("Wa", new Linear(queryDim, attentionDim));
    ua = register("Ua", new Linear(keyDim, attentionDim));
    va = register("Va", new Linear(attentionDim, 1));
  }

  /** Attends to {@code keys} with themselves as values. */
  public Result forward(Tensor query, Tensor keys, Tensor keyPaddingMask) {
    return forward(query, keys, keys, keyPaddingMask);
  }

  /** The weighted sum of {@code values} ({@code [B, Dv]} or {@code [B, L, Dv]}) and the weights over keys. */
  public Result forward(Tensor query, Tensor keys, Tensor values, Tensor keyPaddingMask) {
    return LayerGuard.call(this, () -> {
      Tensor weights = attentionMap.keep(F.softmax(scores(this, wa, ua, va, query, keys, keyPaddingMask), -1));
      checkValues(this, keys, values);
      Tensor context = query.dim() == 2
          ? weights.unsqueeze(1).matmul(values).squeeze(1)
          : weights.matmul(values);
      return new Result(context, weights);
    });
  }

  /** The unnormalised scores {@code [B, S]} or {@code [B, L, S]}, {@code -inf} at padding. */
  public Tensor scores(Tensor query, Tensor keys, Tensor keyPaddingMask) {
    return LayerGuard.call(this, () -> scores(this, wa, ua, va, query, keys, keyPaddingMask));
  }

  static Tensor scores(Module owner, Linear wa, Linear ua, Linear va, Tensor query, Tensor keys,
      Tensor keyPaddingMask) {
    if (keys.dim() != 3 || keys.size(2) != ua.inFeatures()) {
      throw new LayerException(owner, "expected keys of shape [batch, keys, " + ua.inFeatures() + "], got "
          + Tensors.describe(keys));
    }
    long batch = keys.size(0);
    if ((query.dim() != 2 && query.dim() != 3) || query.size(0) != batch || query.size(-1) != wa.inFeatures()) {
      throw new LayerException(owner, "expected query of shape [" + batch + ", " + wa.inFeatures() + "] or ["
          + batch + ", queries, " + wa.inFeatures() + "], got " + Tensors.describe(query));
    }
    Tensor q = query.dim() == 2 ? query.unsqueeze(1) : query;
    Tensor hidden = F.tanh(wa.forward(q).unsqueeze(2).add(ua.forward(keys).unsqueeze(1)));
    Tensor scores = va.forward(hidden).squeeze(-1);
    if (keyPaddingMask != null) {
      long[] expected = {batch, keys.size(1)};
      if (!Arrays.equals(Tensors.shape(keyPaddingMask), expected) || Tensors.dtype(keyPaddingMask) != DType.BOOL) {
        throw new LayerException(owner, "expected a boolean key padding mask of shape " + Tensors.describe(expected)
            + ", got " + Tensors.dtype(keyPaddingMask).torchName() + " " + Tensors.describe(keyPaddingMask));
      }
      scores = scores.masked_fill(keyPaddingMask.unsqueeze(1), new Scalar(Double.NEGATIVE_INFINITY));
    }
    return query.dim() == 2 ? scores.squeeze(1) : scores;
  }

  static void checkValues(Module owner, Tensor keys, Tensor values) {
    if (values.dim() != 3 || values.size(0) != keys.size(0) || values.size(1) != keys.size(1)) {
      throw new LayerException(owner, "expected values of shape [" + keys.size(0) + ", " + keys.size(1)
          + ", features] to match the keys " + Tensors.describe(keys) + ", got " + Tensors.describe(values));
    }
  }

  /** The recording state; its map is the weights {@code [B, S]} or {@code [B, L, S]} of the last call made while recording. */
  @Override
  public AttentionMapStore attentionMaps() {
    return attentionMap;
  }

  @Override
  public String typeName() {
    return "AdditiveAttention";
  }
}
