package io.nets4j.parity;

import io.nets4j.inference.InferenceOptimizer;
import io.nets4j.inference.InferenceOptions;
import io.nets4j.inference.OptimizedModel;
import io.nets4j.io.SafeTensors;
import io.nets4j.models.ImageClassifier;
import io.nets4j.models.Models;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.nio.file.Path;
import java.util.Locale;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * How far an optimised model's logits ({@code io.nets4j.inference}) are from the float32 model's, on a
 * reference fixture or any logits.
 *
 * @param maxAbsError {@code max |y - y32|}
 * @param maxRelError {@code max |y - y32| / max |y32|}
 * @param top1Agreement the fraction of rows whose arg-max class is the same
 * @param rows rows (images) compared
 */
public record PrecisionReport(double maxAbsError, double maxRelError, double top1Agreement, long rows) {

  /** Compares logits {@code [N, classes]} with the float32 reference. */
  public static PrecisionReport compare(Tensor reference, Tensor logits) {
    try (Scope s = Scope.open()) {
      Tensor y = logits.to(reference.scalar_type());
      double abs = Tensors.maxAbsDiff(reference, y);
      long[] a = Tensors.toLongArray(reference.argmax(new LongOptional(1), false));
      long[] b = Tensors.toLongArray(y.argmax(new LongOptional(1), false));
      int same = 0;
      for (int i = 0; i < a.length; i++) {
        same += a[i] == b[i] ? 1 : 0;
      }
      return new PrecisionReport(abs, abs / Tensors.maxAbs(reference), (double) same / a.length, a.length);
    }
  }

  /**
   * The error of {@code options} on a reference fixture (weights of the {@link FillRule} with the
   * fixture's calibrated batch-norm statistics, the fixture's input), against the same model in float32.
   */
  public static PrecisionReport onFixture(Path fixtureJson, InferenceOptions options) {
    ModelFixture fixture = ModelFixture.read(fixtureJson);
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      ImageClassifier model = Models.create(fixture.model());
      FixtureChecker.fill(model, SafeTensors.read(fixture.outputs()));
      model.eval();
      Tensor x = FillRule.input(fixture.inputShape());
      Tensor reference = model.forward(x);
      OptimizedModel optimized = InferenceOptimizer.optimize(fixture.model(), model, fixture.inputShape(), options);
      return compare(reference, optimized.forward(x));
    }
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "max abs error %.3g, max rel error %.3g, top-1 agreement %.0f%% of %d",
        maxAbsError, maxRelError, 100 * top1Agreement, rows);
  }
}
