package io.nets4j.data;

/**
 * Random access to the samples of a data set. Implementations must be safe to call from several
 * loader threads at once and must not create libtorch tensors (see {@link Image}).
 */
public interface Dataset<T> {
  int size();

  /** The sample at {@code index} (0-based); out-of-range indices throw {@link IndexOutOfBoundsException}. */
  T get(int index);
}
