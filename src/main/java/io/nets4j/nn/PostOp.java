package io.nets4j.nn;

import io.nets4j.tensor.Scope;
import java.util.List;
import java.util.Optional;
import org.bytedeco.pytorch.GenericList;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.NumberType;
import org.bytedeco.pytorch.OptionalType;
import org.bytedeco.pytorch.SingletonTypePtr;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.Type;

/**
 * An element-wise activation that oneDNN applies inside a convolution or linear kernel (a unary
 * "post-op"), so that the activation costs no extra pass over memory: the {@code attr},
 * {@code scalars} and {@code algorithm} arguments of libtorch's {@code mkldnn::_convolution_pointwise}
 * and {@code mkldnn::_linear_pointwise}, named as PyTorch's inductor names them
 * ({@code torch/_inductor/fx_passes/mkldnn_fusion.py}).
 *
 * <p>A layer packed with a post-op returns the activated output, and the {@link Activation} that
 * follows it in the model is then skipped for exactly that tensor: the layer marks its output
 * ({@link #produced}) and the activation, seeing that very tensor object, returns it unchanged
 * ({@link #consumed}). The mark is per thread and used once, so any other call of the activation
 * computes as usual. Fusion is only set up where one observed forward showed the activation reading
 * the layer's output directly ({@code io.nets4j.inference.InferenceOptimizer}).
 *
 * @param attr oneDNN's name of the activation ({@code none}, {@code relu}, {@code hardtanh}, ...)
 * @param scalars its parameters ({@code hardtanh}: min and max)
 * @param algorithm {@code gelu}'s approximation, else {@code null}
 * @param activation the {@link Activation#typeName()} it replaces, {@code null} for {@link #NONE}
 */
public record PostOp(String attr, List<Double> scalars, String algorithm, String activation) {
  /** No activation. */
  public static final PostOp NONE = new PostOp("none", List.of(), null, null);

  private static final ThreadLocal<Pending> PENDING = ThreadLocal.withInitial(Pending::new);

  public PostOp {
    scalars = List.copyOf(scalars);
  }

  /**
   * The post-op computing the activation of type {@code typeName} ({@link Activation#typeName()}),
   * if oneDNN has it: ReLU, ReLU6 (hardtanh 0..6), SiLU (swish), Hardswish, and for linear layers
   * exact GELU.
   */
  public static Optional<PostOp> forActivation(String typeName, boolean linear) {
    return Optional.ofNullable(switch (typeName) {
      case "ReLU" -> new PostOp("relu", List.of(), null, typeName);
      case "ReLU6" -> new PostOp("hardtanh", List.of(0.0, 6.0), null, typeName);
      case "SiLU" -> new PostOp("swish", List.of(), null, typeName);
      case "Hardswish" -> new PostOp("hardswish", List.of(), null, typeName);
      // oneDNN's convolution kernels in libtorch take no gelu algorithm; its linear ones do
      case "GELU" -> linear ? new PostOp("gelu", List.of(), "none", typeName) : null;
      default -> null;
    });
  }

  /** The boxed {@code attr, scalars, algorithm} arguments, owned by no scope (they live as long as the layer). */
  IValue[] boxed() {
    Type.TypePtr optionalNumber = new Type.TypePtr(OptionalType.create(
        new Type.TypePtr(new SingletonTypePtr(NumberType.getNumberIntTypePtr().get()))));
    GenericList list = new GenericList(optionalNumber);
    for (double s : scalars) {
      list.push_back(new IValue(s));
    }
    IValue[] boxed = {new IValue(attr), new IValue(list), algorithm == null ? new IValue() : new IValue(algorithm)};
    for (IValue b : boxed) {
      Scope.detachFromScopes(b);
    }
    return boxed;
  }

  /** Marks {@code y} as already activated by this post-op, for the next {@link #consumed} on this thread. */
  void produced(Tensor y) {
    if (activation != null) {
      Pending p = PENDING.get();
      p.tensor = y;
      p.activation = activation;
    }
  }

  /**
   * Whether {@code x} is the output a layer just activated with the activation {@code typeName}
   * (then the activation must return it unchanged); clears the mark.
   */
  static boolean consumed(Tensor x, String typeName) {
    Pending p = PENDING.get();
    if (p.tensor != x) {
      return false;
    }
    p.tensor = null;
    return typeName.equals(p.activation);
  }

  private static final class Pending {
    Tensor tensor;
    String activation;
  }
}
