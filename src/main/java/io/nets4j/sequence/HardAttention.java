package io.nets4j.sequence;

import io.nets4j.nn.LayerException;
import io.nets4j.nn.LayerGuard;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * Hard (stochastic) attention, as in Xu et al. 2015, "Show, Attend and Tell": the attention
 * distribution chooses ONE location, whose value is passed on. In training mode the location is
 * sampled from the distribution; in evaluation mode it is the most likely one.
 *
 * <p>The choice is not differentiable, so the scoring parameters learn through the score-function
 * (REINFORCE) estimator: the {@link Choice#logProb} of the choice, weighted by the reward minus a
 * baseline (see {@link Reinforce}). The scores are additive, with the parameters of
 * {@link AdditiveAttention} ({@code Wa}, {@code Ua}, {@code Va}), so soft and hard models share
 * weights; {@link #select} applies the same choice to scores from any other scorer.
 */
public final class HardAttention extends AdditiveScorer {
  /**
   * One chosen location per query.
   *
   * @param context the chosen value {@code [B, Dv]} (differentiable with respect to the values)
   * @param index the chosen location {@code [B]} (int64)
   * @param logProb {@code log p(index)} {@code [B]}, differentiable with respect to the scores
   * @param probs the attention distribution {@code [B, S]}
   * @param entropy the distribution's entropy {@code [B]}, differentiable (an exploration bonus)
   */
  public record Choice(Tensor context, Tensor index, Tensor logProb, Tensor probs, Tensor entropy) {}

  public HardAttention(int queryDim, int keyDim, int attentionDim) {
    super(queryDim, keyDim, attentionDim);
  }

  /**
   * Chooses a location of {@code keys} for each query: sampled in training mode, the argmax in
   * evaluation mode.
   *
   * @param query {@code [B, Dq]}
   * @param keys {@code [B, S, Dk]}
   * @param values {@code [B, S, Dv]}
   * @param keyPaddingMask optional {@code [B, S]}, {@code true} at padding (never chosen)
   */
  public Choice forward(Tensor query, Tensor keys, Tensor values, Tensor keyPaddingMask) {
    return LayerGuard.call(this, () -> {
      if (query.dim() != 2) {
        throw new LayerException(this, "hard attention chooses one location per query: expected query [batch, "
            + queryDim() + "], got " + Tensors.describe(query));
      }
      Tensor scores = additiveScores(query, keys, keyPaddingMask);
      checkValues(keys, values);
      Choice choice = select(scores, values, isTraining());
      attentionMaps().keep(choice.probs());
      return choice;
    });
  }

  /**
   * Chooses one location per row of {@code scores} {@code [B, S]} (unnormalised; {@code -inf}
   * excludes a location) and gathers its value from {@code values [B, S, Dv]}.
   *
   * @param sample draw the location from {@code softmax(scores)}; otherwise take the argmax
   */
  public static Choice select(Tensor scores, Tensor values, boolean sample) {
    if (scores.dim() != 2 || values.dim() != 3 || values.size(0) != scores.size(0) || values.size(1) != scores.size(1)) {
      throw new IllegalArgumentException("expected scores [batch, locations] and values [batch, locations, features], got "
          + Tensors.describe(scores) + " and " + Tensors.describe(values));
    }
    Tensor logProbs = torch.log_softmax(scores, 1);
    Tensor probs = logProbs.exp();
    Tensor index = sample
        ? torch.multinomial(probs.detach(), 1).squeeze(1)
        : scores.argmax(new LongOptional(1), false);
    Tensor logProb = logProbs.gather(1, index.unsqueeze(1)).squeeze(1);
    Tensor context = values.gather(1, index.view(-1, 1, 1).expand(values.size(0), 1, values.size(2))).squeeze(1);
    // 0 * log 0 = 0 at excluded locations, without a NaN gradient from -inf
    Tensor finiteLogProbs = logProbs.masked_fill(probs.eq(new Scalar(0.0)), new Scalar(0.0));
    Tensor entropy = probs.mul(finiteLogProbs).sum(new long[] {1}, false, new ScalarTypeOptional()).neg();
    return new Choice(context, index, logProb, probs, entropy);
  }

  @Override
  public String typeName() {
    return "HardAttention";
  }
}
