package io.nets4j.inference;

import io.nets4j.models.ImageClassifier;
import io.nets4j.models.Models;
import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.LayerException;
import io.nets4j.nn.Module;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** A randomly initialised model in eval mode with non-trivial batch-norm statistics, and its input. */
record FoldingCheck(ImageClassifier model, Tensor input, Tensor output) {
  static final double TOLERANCE = 1e-5;

  static FoldingCheck of(String name) {
    torch.manual_seed(7);
    ImageClassifier model = Models.create(name);
    model.eval();
    randomizeBatchNorms(model);
    try (NoGradGuard g = new NoGradGuard()) {
      Tensor x = torch.randn(new long[] {2, 3, 64, 64}, Tensors.options(DType.FLOAT32));
      try {
        return new FoldingCheck(model, x, model.forward(x));
      } catch (LayerException e) {
        // the model has a fixed or minimum resolution above 64
        int s = Models.info(name).inputSize();
        x = torch.randn(new long[] {1, 3, s, s}, Tensors.options(DType.FLOAT32));
        return new FoldingCheck(model, x, model.forward(x));
      }
    }
  }

  static void randomizeBatchNorms(Module model) {
    try (NoGradGuard g = new NoGradGuard()) {
      for (Module m : model.namedModules().values()) {
        if (m instanceof BatchNorm2d bn) {
          long c = bn.channels();
          bn.runningMean().copy_(torch.randn(new long[] {c}, Tensors.options(DType.FLOAT32)).mul(new Scalar(0.5)));
          bn.runningVar().copy_(torch.rand(new long[] {c}, Tensors.options(DType.FLOAT32)).mul(new Scalar(1.5))
              .add(new Scalar(0.5)));
          bn.weight().copy_(torch.randn(new long[] {c}, Tensors.options(DType.FLOAT32)).mul(new Scalar(0.2))
              .add(new Scalar(1.0)));
          bn.bias().copy_(torch.randn(new long[] {c}, Tensors.options(DType.FLOAT32)).mul(new Scalar(0.2)));
        }
      }
    }
  }

  long[] inputShape() {
    return Tensors.shape(input);
  }

  /** {@code max |y - y_ref| / max(1, max |y_ref|)}. */
  double relativeError(Tensor y) {
    return Tensors.maxAbsDiff(output, y) / Math.max(1, Tensors.maxAbs(output));
  }
}
