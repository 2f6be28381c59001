package io.nets4j.nn;

import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;

/** An element-wise non-linearity. Activations hold no state, so they do not appear in state_dicts. */
public final class Activation extends Layer {
  private final String name;
  private final UnaryOperator<Tensor> fn;

  private Activation(String name, UnaryOperator<Tensor> fn) {
    this.name = name;
    this.fn = fn;
  }

  public static Activation relu() {
    return new Activation("ReLU", F::relu);
  }

  public static Activation relu6() {
    return new Activation("ReLU6", F::relu6);
  }

  public static Activation gelu() {
    return new Activation("GELU", x -> F.gelu(x, false));
  }

  public static Activation silu() {
    return new Activation("SiLU", F::silu);
  }

  public static Activation hardswish() {
    return new Activation("Hardswish", F::hardswish);
  }

  public static Activation hardsigmoid() {
    return new Activation("Hardsigmoid", F::hardsigmoid);
  }

  public static Activation sigmoid() {
    return new Activation("Sigmoid", F::sigmoid);
  }

  public static Activation tanh() {
    return new Activation("Tanh", F::tanh);
  }

  public static Activation leakyRelu(double slope) {
    return new Activation("LeakyReLU", x -> F.leakyRelu(x, slope));
  }

  @Override
  protected Tensor compute(Tensor x) {
    // the packed layer before it already applied this activation inside its kernel
    if (PostOp.consumed(x, name)) {
      return x;
    }
    return fn.apply(x);
  }

  @Override
  public String typeName() {
    return name;
  }
}
