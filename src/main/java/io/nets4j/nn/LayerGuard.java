package io.nets4j.nn;

import java.util.function.Supplier;

/**
 * Runs a module's computation so that a libtorch error surfaces as a {@link LayerException} naming
 * the module, as {@link Layer#forward} does. For modules whose entry points take several inputs
 * or return several outputs (attention, recurrent layers, encoder-decoders).
 */
public final class LayerGuard {
  private LayerGuard() {}

  public static <T> T call(Module module, Supplier<T> body) {
    try {
      return body.get();
    } catch (RuntimeException e) {
      throw LayerException.wrap(module, e);
    }
  }
}
