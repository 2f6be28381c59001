package io.nets4j.data;

import org.bytedeco.pytorch.Tensor;

/**
 * A collated batch: images {@code [N, C, H, W]} float32 and labels {@code [N]} int64, created on
 * the thread that took the batch and owned by the {@code Scope} open there (closing the batch
 * frees them at once, also before that scope closes).
 *
 * @param images the images, {@code [N, C, H, W]} float32
 * @param labels the class indices, {@code [N]} int64
 * @param indices the data set index of each sample, in batch order
 */
public record Batch(Tensor images, Tensor labels, int[] indices) implements AutoCloseable {
  public int size() {
    return indices.length;
  }

  /** Frees the two tensors (tensors derived from them stay valid). */
  @Override
  public void close() {
    images.close();
    labels.close();
  }
}
