package io.nets4j.data;

import java.util.function.Function;

/**
 * Random access to the samples of a data set. Implementations must be safe to call from several
 * loader threads at once and must not create libtorch tensors (see {@link Image}).
 */
public interface Dataset<T> {
  int size();

  /** The sample at {@code index} (0-based); out-of-range indices throw {@link IndexOutOfBoundsException}. */
  T get(int index);

  /**
   * A view of this data set whose sample {@code i} is {@code f.apply(get(i))}, computed on each
   * access; {@code f} is called from the loader threads, so it follows the rules above.
   */
  default <R> Dataset<R> map(Function<? super T, ? extends R> f) {
    Dataset<T> source = this;
    return new Dataset<>() {
      @Override
      public int size() {
        return source.size();
      }

      @Override
      public R get(int index) {
        return f.apply(source.get(index));
      }
    };
  }
}
