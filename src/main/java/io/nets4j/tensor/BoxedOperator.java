package io.nets4j.tensor;

import java.lang.ref.Reference;
import java.util.Optional;
import org.bytedeco.pytorch.Dispatcher;
import org.bytedeco.pytorch.GenericList;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.IValueVector;
import org.bytedeco.pytorch.IntType;
import org.bytedeco.pytorch.OperatorHandle;
import org.bytedeco.pytorch.OperatorHandleOptional;
import org.bytedeco.pytorch.OperatorName;
import org.bytedeco.pytorch.SingletonTypePtr;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.Type;
import org.bytedeco.pytorch.global.torch;

/**
 * A libtorch operator called through the dispatcher with boxed arguments ({@code IValue}s), for
 * operators that the bytedeco presets expose no Java function for: the oneDNN inference
 * convolutions ({@code mkldnn::_convolution_pointwise}) and the fused optimizers
 * ({@code aten::_fused_adamw_}). The arguments follow the operator's schema, positional and
 * keyword-only alike.
 */
public final class BoxedOperator {
  private final String name;
  private final OperatorHandle handle;

  private BoxedOperator(String name, OperatorHandle handle) {
    this.name = name;
    this.handle = handle;
  }

  /**
   * The operator {@code name} (e.g. {@code "aten::_fused_adamw_"}, default overload) if this
   * libtorch registers it with a CPU kernel, else empty.
   */
  public static Optional<BoxedOperator> find(String name) {
    NativeRuntime.load();
    // the lookup may first run inside a Scope; the handle must outlive it
    try (Scope s = Scope.open()) {
      OperatorHandleOptional op = Dispatcher.singleton().findSchema(new OperatorName(name, ""));
      if (!op.has_value() || !op.get().hasKernelForDispatchKey(torch.DispatchKey.CPU)) {
        return Optional.empty();
      }
      return Optional.of(new BoxedOperator(name, Scope.detachFromScopes(new OperatorHandle(op.get()))));
    } catch (RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * Calls the operator with {@code arguments} and returns its first result as a tensor, or
   * {@code null} when it returns nothing (an in-place operator).
   */
  public Tensor call(IValue... arguments) {
    IValueVector stack = new IValueVector();
    for (IValue a : arguments) {
      stack.push_back(a);
    }
    return run(stack);
  }

  /**
   * Calls the operator with {@code first} followed by {@code rest}: a layer's per-call input before
   * its constant arguments, without copying them into a new array on every call.
   */
  public Tensor call(IValue first, IValue[] rest) {
    IValueVector stack = new IValueVector();
    stack.push_back(first);
    for (IValue a : rest) {
      stack.push_back(a);
    }
    return run(stack);
  }

  private Tensor run(IValueVector stack) {
    handle.callBoxed(stack);
    Tensor out = stack.size() > 0 && stack.get(0).isTensor() ? Tensors.owned(stack.get(0).toTensor()) : null;
    Reference.reachabilityFence(stack);
    return out;
  }

  /** A boxed {@code int[]} argument. */
  public static IValue ints(long... values) {
    GenericList list = new GenericList(new Type.TypePtr(new SingletonTypePtr(IntType.getIntTypePtr().get())));
    for (long v : values) {
      list.push_back(new IValue(v));
    }
    return new IValue(list);
  }

  @Override
  public String toString() {
    return name;
  }
}
