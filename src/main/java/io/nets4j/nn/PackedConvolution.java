package io.nets4j.nn;

import io.nets4j.tensor.BoxedOperator;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.Tensor;

/**
 * An inference-only convolution whose weight is reordered once into oneDNN's preferred blocked
 * layout, then run by libtorch's {@code mkldnn::_convolution_pointwise} operator: the kernel that
 * PyTorch's own compiler ({@code torch.compile} with freezing) emits for CPU convolutions. Eager
 * {@code conv2d} leaves the weight in its plain layout, so oneDNN reorders every weight on every call;
 * at batch 1 that copy is a large part of a convolutional network's time. The result equals eager
 * {@code conv2d} (same oneDNN kernel), and channels-last input gives channels-last output.
 *
 * <p>Both operators are registered by libtorch under the {@code mkldnn} namespace without C++
 * function wrappers, so they are called through the dispatcher with boxed arguments. The constant
 * arguments (packed weight, bias, geometry) are boxed once; a call boxes only its input.
 */
final class PackedConvolution {
  // absent from a libtorch without oneDNN: convolutions then run eagerly (see isAvailable)
  private static final BoxedOperator REORDER = BoxedOperator.find("mkldnn::_reorder_convolution_weight").orElse(null);
  private static final BoxedOperator CONVOLUTION = BoxedOperator.find("mkldnn::_convolution_pointwise").orElse(null);

  /** Arguments after the input: weight, bias, padding, stride, dilation, groups, attr, scalars, algorithm. */
  private final IValue[] constants;
  private final Tensor packedWeight;

  private final PostOp postOp;

  private PackedConvolution(Tensor packedWeight, IValue[] constants, PostOp postOp) {
    this.packedWeight = packedWeight;
    this.constants = constants;
    this.postOp = postOp;
  }

  /** Whether this libtorch has oneDNN and its inference convolution operators. */
  static boolean isAvailable() {
    return REORDER != null && CONVOLUTION != null;
  }

  /**
   * Packs {@code weight} (and keeps {@code bias}, which may be {@code null}) for inputs of shape
   * {@code inputShape} (other shapes still work, with a layout chosen for this one); every call then
   * applies {@code postOp} inside the kernel.
   */
  static PackedConvolution pack(Tensor weight, Tensor bias, ConvSpec spec, long[] inputShape, PostOp postOp) {
    if (!isAvailable()) {
      throw new IllegalStateException("this libtorch has no oneDNN convolution operators (mkldnn::_convolution_pointwise)");
    }
    if (!weight.device().is_cpu()) {
      throw new IllegalArgumentException("packed oneDNN convolutions run on the CPU, the weight is on " + weight.device().str().getString());
    }
    IValue padding = BoxedOperator.ints(spec.padH(), spec.padW());
    IValue stride = BoxedOperator.ints(spec.strideH(), spec.strideW());
    IValue dilation = BoxedOperator.ints(spec.dilationH(), spec.dilationW());
    IValue groups = new IValue((long) spec.groups());
    Tensor packed = REORDER.call(new IValue(weight.detach()), padding, stride, dilation, groups,
        BoxedOperator.ints(inputShape));
    IValue[] post = postOp.boxed();
    IValue[] constants = {
        new IValue(packed), bias == null ? new IValue() : new IValue(bias.detach()), padding, stride, dilation, groups,
        post[0], post[1], post[2]};
    // the packed state lives as long as the layer, beyond any Scope open while packing
    for (IValue c : constants) {
      Scope.detachFromScopes(c);
    }
    return new PackedConvolution(Scope.detachFromScopes(packed), constants, postOp);
  }

  /** The convolution of {@code x}, activated by the post-op (see {@link PostOp#produced}); not differentiable. */
  Tensor apply(Tensor x) {
    Tensor y = CONVOLUTION.call(new IValue(x), constants);
    postOp.produced(y);
    return y;
  }

  PostOp postOp() {
    return postOp;
  }

  /** The packed (opaque, oneDNN-layout) weight, e.g. to check its type. */
  Tensor packedWeight() {
    return packedWeight;
  }

  @Override
  public String toString() {
    return "PackedConvolution(" + Tensors.describe(packedWeight) + ", " + postOp.attr() + ")";
  }
}
