package io.nets4j.nn;

import io.nets4j.tensor.BoxedOperator;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.Tensor;

/**
 * An inference-only linear layer run by oneDNN ({@code mkldnn::_linear_pointwise}) with its weight
 * reordered once into oneDNN's layout ({@code mkldnn::_reorder_linear_weight}) and an optional
 * activation inside the kernel ({@link PostOp}), as PyTorch's inductor does for frozen CPU models.
 * Besides the per-call weight reorder, it avoids the BLAS of this libtorch build (OpenBLAS), whose
 * own thread pool competes with libtorch's OpenMP threads: measured on a loaded 2-core machine, a
 * batch-1 {@code 1280 -> 1000} layer took 10-30 ms through {@code F.linear} and 0.6-1.5 ms here.
 * Inputs of any rank {@code [..., in]} work; the constant arguments are boxed once.
 */
final class PackedLinear {
  // absent from a libtorch without oneDNN: linear layers then run eagerly (see isAvailable)
  private static final BoxedOperator REORDER = BoxedOperator.find("mkldnn::_reorder_linear_weight").orElse(null);
  private static final BoxedOperator LINEAR = BoxedOperator.find("mkldnn::_linear_pointwise").orElse(null);

  /** Arguments after the input: weight, bias, attr, scalars, algorithm. */
  private final IValue[] constants;
  private final Tensor packedWeight;
  private final PostOp postOp;

  private PackedLinear(Tensor packedWeight, IValue[] constants, PostOp postOp) {
    this.packedWeight = packedWeight;
    this.constants = constants;
    this.postOp = postOp;
  }

  static boolean isAvailable() {
    return REORDER != null && LINEAR != null;
  }

  /** Packs {@code weight [out, in]} for inputs of {@code rows} rows (all dimensions but the last multiplied). */
  static PackedLinear pack(Tensor weight, Tensor bias, long rows, PostOp postOp) {
    if (!isAvailable()) {
      throw new IllegalStateException("this libtorch has no oneDNN linear operators (mkldnn::_linear_pointwise)");
    }
    Tensor packed = REORDER.call(new IValue(weight.detach().contiguous()), new IValue(rows));
    IValue[] post = postOp.boxed();
    IValue[] constants = {new IValue(packed), bias == null ? new IValue() : new IValue(bias.detach()), post[0], post[1],
        post[2]};
    for (IValue c : constants) {
      Scope.detachFromScopes(c);
    }
    return new PackedLinear(Scope.detachFromScopes(packed), constants, postOp);
  }

  /** {@code x W^T + b}, activated by the post-op; not differentiable. */
  Tensor apply(Tensor x) {
    Tensor y = LINEAR.call(new IValue(x), constants);
    postOp.produced(y);
    return y;
  }

  PostOp postOp() {
    return postOp;
  }

  @Override
  public String toString() {
    return "PackedLinear(" + Tensors.describe(packedWeight) + ", " + postOp.attr() + ")";
  }
}
