package io.nets4j.nn;

import io.nets4j.tensor.NativeRuntime;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.lang.ref.Reference;
import org.bytedeco.pytorch.Dispatcher;
import org.bytedeco.pytorch.GenericList;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.IntType;
import org.bytedeco.pytorch.NumberType;
import org.bytedeco.pytorch.OperatorHandle;
import org.bytedeco.pytorch.OptionalType;
import org.bytedeco.pytorch.SingletonTypePtr;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.Type;
import org.bytedeco.pytorch.global.torch;

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
  private static final OperatorHandle REORDER;
  private static final OperatorHandle CONVOLUTION;

  static {
    NativeRuntime.load();
    OperatorHandle reorder = null;
    OperatorHandle convolution = null;
    if (torch.hasMKLDNN()) {
      try {
        // the class may first load inside a Scope; the handles must outlive it
        reorder = Scope.detachFromScopes(Dispatcher.singleton().findSchemaOrThrow("mkldnn::_reorder_convolution_weight", ""));
        convolution = Scope.detachFromScopes(Dispatcher.singleton().findSchemaOrThrow("mkldnn::_convolution_pointwise", ""));
      } catch (RuntimeException e) {
        // a libtorch without these operators runs convolutions eagerly (see isAvailable)
      }
    }
    REORDER = reorder;
    CONVOLUTION = convolution;
  }

  /** Arguments after the input: weight, bias, padding, stride, dilation, groups, attr, scalars, algorithm. */
  private final IValue[] constants;
  private final Tensor packedWeight;

  private PackedConvolution(Tensor packedWeight, IValue[] constants) {
    this.packedWeight = packedWeight;
    this.constants = constants;
  }

  /** Whether this libtorch has oneDNN and its inference convolution operators. */
  static boolean isAvailable() {
    return CONVOLUTION != null;
  }

  /**
   * Packs {@code weight} (and keeps {@code bias}, which may be {@code null}) for inputs of shape
   * {@code inputShape} (other shapes still work, with a layout chosen for this one).
   */
  static PackedConvolution pack(Tensor weight, Tensor bias, ConvSpec spec, long[] inputShape) {
    if (!isAvailable()) {
      throw new IllegalStateException("this libtorch has no oneDNN convolution operators (mkldnn::_convolution_pointwise)");
    }
    if (!weight.device().is_cpu()) {
      throw new IllegalArgumentException("packed oneDNN convolutions run on the CPU, the weight is on " + weight.device().str().getString());
    }
    IValue padding = ints(spec.padH(), spec.padW());
    IValue stride = ints(spec.strideH(), spec.strideW());
    IValue dilation = ints(spec.dilationH(), spec.dilationW());
    IValue groups = new IValue((long) spec.groups());
    IValueVector stack = new IValueVector();
    stack.push_back(new IValue(weight.detach()));
    stack.push_back(padding);
    stack.push_back(stride);
    stack.push_back(dilation);
    stack.push_back(groups);
    stack.push_back(ints(inputShape));
    REORDER.callBoxed(stack);
    Tensor packed = Tensors.owned(stack.get(0).toTensor());
    Reference.reachabilityFence(stack);
    Type.TypePtr optionalNumber = new Type.TypePtr(OptionalType.create(
        new Type.TypePtr(new SingletonTypePtr(NumberType.getNumberIntTypePtr().get()))));
    IValue[] constants = {
        new IValue(packed), bias == null ? new IValue() : new IValue(bias.detach()), padding, stride, dilation, groups,
        new IValue("none"), new IValue(new GenericList(optionalNumber)), new IValue()};
    // the packed state lives as long as the layer, beyond any Scope open while packing
    for (IValue c : constants) {
      Scope.detachFromScopes(c);
    }
    return new PackedConvolution(Scope.detachFromScopes(packed), constants);
  }

  /** The convolution of {@code x}; not differentiable. */
  Tensor apply(Tensor x) {
    IValueVector stack = new IValueVector();
    stack.push_back(new IValue(x));
    for (IValue c : constants) {
      stack.push_back(c);
    }
    CONVOLUTION.callBoxed(stack);
    Tensor out = Tensors.owned(stack.get(0).toTensor());
    Reference.reachabilityFence(stack);
    return out;
  }

  /** The packed (opaque, oneDNN-layout) weight, e.g. to check its type. */
  Tensor packedWeight() {
    return packedWeight;
  }

  private static IValue ints(long... values) {
    GenericList list = new GenericList(new Type.TypePtr(new SingletonTypePtr(IntType.getIntTypePtr().get())));
    for (long v : values) {
      list.push_back(new IValue(v));
    }
    return new IValue(list);
  }

  @Override
  public String toString() {
    return "PackedConvolution(" + Tensors.describe(packedWeight) + ")";
  }
}
