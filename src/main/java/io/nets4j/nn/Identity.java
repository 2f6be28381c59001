package io.nets4j.nn;

import org.bytedeco.pytorch.Tensor;

/** Returns its input; stands in for a removed layer (e.g. a classifier in feature mode). */
public final class Identity extends Layer {
  @Override
  protected Tensor compute(Tensor x) {
    return x;
  }
}
