package io.nets4j.experiments;

import io.nets4j.models.ModelOptions;
import io.nets4j.models.Models;
import io.nets4j.nn.SqueezeExcitation;
import io.nets4j.tensor.Scope;
import java.util.Map;

/**
 * The parameter cost of a squeeze-and-excitation block (Hu et al. 2018, section 4, equation 5):
 * the two fully connected layers C -> C/r -> C have {@code 2 C^2 / r} weights; their biases add
 * {@code C/r + C}, which the paper's formula leaves out.
 *
 * @param channels C
 * @param ratio the reduction ratio r
 * @param weights the weights of a built block, counted
 * @param biases the biases of a built block, counted
 */
public record SqueezeExcitationCost(int channels, int ratio, long weights, long biases) {
  /** Counts the parameters of {@code new SqueezeExcitation(C, C / r)}; r must divide C. */
  public static SqueezeExcitationCost measure(int channels, int ratio) {
    if (ratio < 1 || channels % ratio != 0) {
      throw new IllegalArgumentException("the reduction ratio " + ratio + " must divide the " + channels + " channels");
    }
    try (Scope scope = Scope.open()) {
      long weights = 0;
      long biases = 0;
      for (Map.Entry<String, org.bytedeco.pytorch.Tensor> e : new SqueezeExcitation(channels, channels / ratio)
          .namedParameters().entrySet()) {
        if (e.getKey().endsWith("weight")) {
          weights += e.getValue().numel();
        } else {
          biases += e.getValue().numel();
        }
      }
      return new SqueezeExcitationCost(channels, ratio, weights, biases);
    }
  }

  /** The paper's count: {@code 2 C^2 / r}. */
  public static long formulaWeights(int channels, int ratio) {
    return 2L * channels * channels / ratio;
  }

  /** The biases of the two layers: {@code C/r + C}. */
  public static long formulaBiases(int channels, int ratio) {
    return channels / ratio + channels;
  }

  /** Whether the counted weights are the paper's formula and the biases {@code C/r + C}, exactly. */
  public boolean matches() {
    return weights == formulaWeights(channels, ratio) && biases == formulaBiases(channels, ratio);
  }

  /**
   * What SE adds to a whole network: the parameters of {@code seModel} minus those of {@code baseline}
   * (both registered, 10 classes, one input channel).
   */
  public static long addedParameters(String seModel, String baseline) {
    ModelOptions o = ModelOptions.defaults().withNumClasses(10).withInChannels(1);
    return Models.parameterCount(seModel, o) - Models.parameterCount(baseline, o);
  }
}
