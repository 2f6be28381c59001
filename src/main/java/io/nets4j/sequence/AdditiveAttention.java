package io.nets4j.sequence;

import io.nets4j.nn.F;
import io.nets4j.nn.LayerGuard;
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
public final class AdditiveAttention extends AdditiveScorer {
  /** The attended values ({@code context}) and the attention weights over the keys. */
  public record Result(Tensor context, Tensor weights) {}

  /**
   * @param queryDim width of the queries (the decoder state)
   * @param keyDim width of the keys (the encoder annotations)
   * @param attentionDim width of the hidden layer of the score
   */
  public AdditiveAttention(int queryDim, int keyDim, int attentionDim) {
    super(queryDim, keyDim, attentionDim);
  }

  /** Attends to {@code keys} with themselves as values. */
  public Result forward(Tensor query, Tensor keys, Tensor keyPaddingMask) {
    return forward(query, keys, keys, keyPaddingMask);
  }

  /** The weighted sum of {@code values} ({@code [B, Dv]} or {@code [B, L, Dv]}) and the weights over keys. */
  public Result forward(Tensor query, Tensor keys, Tensor values, Tensor keyPaddingMask) {
    return LayerGuard.call(this, () -> {
      Tensor weights = attentionMaps().keep(F.softmax(additiveScores(query, keys, keyPaddingMask), -1));
      checkValues(keys, values);
      Tensor context = query.dim() == 2
          ? weights.unsqueeze(1).matmul(values).squeeze(1)
          : weights.matmul(values);
      return new Result(context, weights);
    });
  }

  /** The unnormalised scores {@code [B, S]} or {@code [B, L, S]}, {@code -inf} at padding. */
  public Tensor scores(Tensor query, Tensor keys, Tensor keyPaddingMask) {
    return LayerGuard.call(this, () -> additiveScores(query, keys, keyPaddingMask));
  }

  @Override
  public String typeName() {
    return "AdditiveAttention";
  }
}
