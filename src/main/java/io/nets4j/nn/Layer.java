package io.nets4j.nn;

import java.util.function.Supplier;
import org.bytedeco.pytorch.Tensor;

/**
 * A module with one input tensor and one output tensor: the building block of sequential networks.
 *
 * <p>{@link #forward} is the public entry point; subclasses implement {@link #compute}. A libtorch
 * error inside a layer surfaces as a {@link LayerException} that names the innermost layer's path
 * and type, and a registered {@link ForwardObserver} (used by the model summary) sees every call.
 */
public abstract class Layer extends Module {
  private static final ThreadLocal<ForwardObserver> OBSERVER = new ThreadLocal<>();

  /** Runs the layer. */
  public final Tensor forward(Tensor x) {
    ForwardObserver observer = OBSERVER.get();
    try {
      if (observer == null) {
        return compute(x);
      }
      observer.before(this, x);
      Tensor y = compute(x);
      observer.after(this, x, y);
      return y;
    } catch (RuntimeException e) {
      throw LayerException.wrap(this, e);
    }
  }

  /** The layer's computation. */
  protected abstract Tensor compute(Tensor x);

  /** Fails with a {@link LayerException} naming this layer. */
  protected final LayerException fail(String problem) {
    return new LayerException(this, problem);
  }

  /** Sees every layer call on the current thread while installed (see {@link #observe}). */
  public interface ForwardObserver {
    default void before(Layer layer, Tensor input) {}

    void after(Layer layer, Tensor input, Tensor output);
  }

  /**
   * Installs {@code observer} on the current thread while {@code body} runs. An observer installed
   * already keeps seeing every call (before this one), so that observations nest: a model summary
   * still sees the layers of a backbone whose feature maps are observed inside it.
   */
  public static <T> T observe(ForwardObserver observer, Supplier<T> body) {
    ForwardObserver previous = OBSERVER.get();
    OBSERVER.set(previous == null ? observer : new ForwardObserver() {
      @Override
      public void before(Layer layer, Tensor input) {
        previous.before(layer, input);
        observer.before(layer, input);
      }

      @Override
      public void after(Layer layer, Tensor input, Tensor output) {
        previous.after(layer, input, output);
        observer.after(layer, input, output);
      }
    });
    try {
      return body.get();
    } finally {
      OBSERVER.set(previous);
    }
  }
}
