package io.nets4j.serve;

import io.nets4j.tensor.Tensors;

/**
 * An input or output of a served model as its KServe v2 metadata lists it: a name, a datatype and
 * a shape whose {@code -1} entries are free (the batch, and image sides where any size is taken).
 */
public record TensorSpec(String name, String datatype, long[] shape) {
  public TensorSpec {
    shape = shape.clone();
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  @Override
  public String toString() {
    return name + " " + datatype + Tensors.describe(shape);
  }
}
