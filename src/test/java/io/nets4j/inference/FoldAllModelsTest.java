package io.nets4j.inference;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.models.ModelInfo;
import io.nets4j.models.Models;
import io.nets4j.tensor.Scope;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Batch-norm folding keeps the function of EVERY registered model (random weights, randomised
 * batch-norm statistics, eval mode). Slow (all models, the big ones included): tagged {@code slow},
 * run with {@code mvn test -Dtest=FoldAllModelsTest -DexcludedGroups=none}.
 */
@Tag("slow")
class FoldAllModelsTest {
  static Stream<String> models() {
    return Models.list().stream().map(ModelInfo::name);
  }

  @ParameterizedTest
  @MethodSource("models")
  void foldedOutputEqualsUnfolded(String name) {
    try (Scope s = Scope.open()) {
      FoldingCheck c = FoldingCheck.of(name);
      OptimizedModel opt = InferenceOptimizer.optimize(name, c.model(), c.inputShape(),
          InferenceOptions.none().withFoldBatchNorm(true));
      double err = c.relativeError(opt.forward(c.input()));
      System.out.printf("%s: %d pairs folded, relative error %.2e%n", name, opt.folded().size(), err);
      assertTrue(err <= FoldingCheck.TOLERANCE, name + ": folded vs unfolded " + err);
    } finally {
      System.gc();
    }
  }
}
