package io.nets4j.serve;

/**
 * One model input of a batch, an image {@code [C, H, W]} as float32 values in row-major order; the
 * dynamic batcher stacks samples of several requests into one forward pass.
 */
public record Sample(float[] data, long[] shape) {
  public Sample {
    shape = shape.clone();
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }
}
