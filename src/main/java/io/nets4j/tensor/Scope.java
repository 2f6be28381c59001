package io.nets4j.tensor;

import java.util.Iterator;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.javacpp.PointerScope;

/**
 * A region that frees every native object (tensor handles, option structs) created inside it when
 * it closes. This is the native-memory discipline of nets4j: libtorch allocations are owned by
 * the innermost open scope on the current thread, not by the garbage collector.
 *
 * <pre>{@code
 * try (Scope step = Scope.open()) {
 *   Tensor loss = F.crossEntropy(model.forward(x), y);
 *   loss.backward();
 *   optimizer.step();
 * } // every temporary of the step is released here
 * }</pre>
 *
 * <p>A result that must outlive the scope is handed out with {@link #keep}: it moves to the
 * enclosing scope, or, if there is none, to the caller (then the garbage collector frees it).
 * Module parameters and buffers are never owned by a scope (see {@code Module}).
 */
public final class Scope implements AutoCloseable {
  private final PointerScope scope;

  private Scope() {
    NativeRuntime.load();
    this.scope = new PointerScope();
  }

  public static Scope open() {
    return new Scope();
  }

  /** Moves {@code p} out of this scope into the enclosing one (or to the caller). */
  public <P extends Pointer> P keep(P p) {
    PointerScope outer = enclosing();
    if (outer != null) {
      outer.attach(p);
    } else {
      p.retainReference();
    }
    return p;
  }

  private PointerScope enclosing() {
    Iterator<PointerScope> it = PointerScope.getScopeIterator();
    boolean seenSelf = false;
    while (it != null && it.hasNext()) {
      PointerScope s = it.next();
      if (seenSelf) {
        return s;
      }
      seenSelf = s == scope;
    }
    return null;
  }

  /**
   * Makes {@code p} independent of every scope: it stays alive until the garbage collector
   * collects its Java handle. Used for long-lived state such as parameters and optimizer objects.
   */
  public static <P extends Pointer> P detachFromScopes(P p) {
    p.retainReference();
    return p;
  }

  @Override
  public void close() {
    scope.close();
  }
}
