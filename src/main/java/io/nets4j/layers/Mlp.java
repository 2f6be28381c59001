package io.nets4j.layers;

import io.nets4j.nn.Activation;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.Dropout;
import io.nets4j.nn.Layer;
import io.nets4j.nn.Linear;
import io.nets4j.nn.Sequential;
import org.bytedeco.pytorch.Tensor;

/**
 * The transformer's feed-forward network with timm's names: {@code fc1}, {@code act},
 * {@code drop} (optional, applied after the activation and after {@code fc2}), {@code fc2}; on
 * tokens (linear layers) or on NCHW maps (1x1 convolutions, timm's {@code ConvMlp}).
 * {@link #torchvision} builds torchvision's {@code MLPBlock} instead, whose children are numbered.
 */
public final class Mlp extends Layer {
  private final Layer fc1;
  private final Layer act;
  private final Dropout drop;
  private final Layer fc2;
  private final String typeName;

  private Mlp(String typeName, Layer fc1, Layer act, Dropout drop, Layer fc2) {
    this.typeName = typeName;
    this.fc1 = register("fc1", fc1);
    this.act = register("act", act);
    this.drop = drop == null ? null : register("drop", drop);
    this.fc2 = register("fc2", fc2);
  }

  /** {@code fc1, act, fc2} on tokens {@code [..., dim]}, without dropout. */
  public static Mlp tokens(int dim, int hidden, Layer act) {
    return new Mlp("Mlp", new Linear(dim, hidden), act, null, new Linear(hidden, dim));
  }

  /** {@code fc1, act, drop, fc2, drop} on tokens {@code [..., dim]}. */
  public static Mlp tokens(int dim, int hidden, Layer act, double dropout) {
    return new Mlp("Mlp", new Linear(dim, hidden), act, new Dropout(dropout), new Linear(hidden, dim));
  }

  /** {@code fc1, act, fc2} as 1x1 convolutions on NCHW maps. */
  public static Mlp maps(int dim, int hidden, Layer act) {
    return new Mlp("ConvMlp", new Conv2d(dim, hidden, ConvSpec.kernel(1)), act, null, new Conv2d(hidden, dim, ConvSpec.kernel(1)));
  }

  /** torchvision's {@code MLPBlock}: {@code Linear, GELU, Dropout, Linear, Dropout} as children {@code 0..4}. */
  public static Sequential torchvision(int dim, int hidden, double dropout) {
    return new Sequential(new Linear(dim, hidden), Activation.gelu(), new Dropout(dropout),
        new Linear(hidden, dim), new Dropout(dropout));
  }

  @Override
  protected Tensor compute(Tensor x) {
    Tensor y = act.forward(fc1.forward(x));
    if (drop == null) {
      return fc2.forward(y);
    }
    return drop.forward(fc2.forward(drop.forward(y)));
  }

  @Override
  public String typeName() {
    return typeName;
  }
}
