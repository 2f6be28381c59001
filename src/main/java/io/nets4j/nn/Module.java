package io.nets4j.nn;

import io.nets4j.tensor.DType;
import io.nets4j.tensor.NativeRuntime;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.bytedeco.pytorch.Device;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;

/**
 * A node of a network: it owns parameters, buffers and named child modules, and gives them
 * PyTorch's hierarchical names ({@code layer1.0.conv1.weight}, {@code bn1.running_mean}) in
 * registration order, so that state_dicts exchange with PyTorch key for key.
 *
 * <p>Parameters and buffers are created once and then only changed in place (including their
 * dtype, via {@code set_data}), so optimizers and other holders of these tensors stay valid. They
 * are not owned by any {@link Scope}: a model can be built inside a scope and used after it.
 */
public abstract class Module {
  static {
    NativeRuntime.load();
  }

  private final Map<String, Tensor> parameters = new LinkedHashMap<>();
  private final Map<String, Tensor> buffers = new LinkedHashMap<>();
  private final Map<String, Boolean> persistentBuffers = new LinkedHashMap<>();
  private final Map<String, Module> children = new LinkedHashMap<>();
  private Module parent;
  private String name = "";
  private boolean training = true;

  /** Registers a child module under {@code name} and returns it. */
  protected <M extends Module> M register(String name, M child) {
    checkName(name);
    Module m = child;
    if (m.parent != null) {
      throw new IllegalStateException("module " + m.typeName() + " already belongs to '"
          + m.path() + "'; it cannot also be '" + qualified(name) + "'");
    }
    m.parent = this;
    m.name = name;
    children.put(name, m);
    return child;
  }

  /**
   * Replaces the child registered under {@code name}, keeping its position in the state_dict
   * order (e.g. a new classifier for another number of classes).
   */
  protected <M extends Module> M replace(String name, M child) {
    Module old = children.get(name);
    if (old == null) {
      throw new IllegalArgumentException("no child '" + qualified(name) + "' to replace");
    }
    Module m = child;
    if (m.parent != null) {
      throw new IllegalStateException("module " + m.typeName() + " already belongs to '" + m.path() + "'");
    }
    old.parent = null;
    m.parent = this;
    m.name = name;
    m.train(training);
    children.put(name, m);
    return child;
  }

  /** Registers a trainable parameter (requires_grad is set) and returns it. */
  protected Tensor registerParameter(String name, Tensor value) {
    checkName(name);
    Scope.detachFromScopes(value);
    value.requires_grad_(true);
    parameters.put(name, value);
    return value;
  }

  /** Registers a persistent buffer (part of the state_dict, not trained) and returns it. */
  protected Tensor registerBuffer(String name, Tensor value) {
    return registerBuffer(name, value, true);
  }

  /** Registers a buffer; a non-persistent one is moved with the model but not saved or loaded. */
  protected Tensor registerBuffer(String name, Tensor value, boolean persistent) {
    checkName(name);
    Scope.detachFromScopes(value);
    buffers.put(name, value);
    persistentBuffers.put(name, persistent);
    return value;
  }

  private void checkName(String name) {
    if (name.isEmpty() || name.contains(".")) {
      throw new IllegalArgumentException("invalid member name '" + name + "' in " + typeName());
    }
    if (parameters.containsKey(name) || buffers.containsKey(name) || children.containsKey(name)) {
      throw new IllegalArgumentException("'" + qualified(name) + "' is already registered");
    }
  }

  private String qualified(String member) {
    String p = path();
    return p.isEmpty() ? member : p + "." + member;
  }

  /** The module's path from the root, as in state_dict keys ({@code layer1.0.conv1}); "" for a root. */
  public String path() {
    if (parent == null) {
      return "";
    }
    String p = parent.path();
    return p.isEmpty() ? name : p + "." + name;
  }

  /** The short type name shown in errors and summaries. */
  public String typeName() {
    return getClass().getSimpleName();
  }

  public Module parent() {
    return parent;
  }

  public Map<String, Module> children() {
    return Collections.unmodifiableMap(children);
  }

  /** Parameters registered directly on this module (not its children). */
  public Map<String, Tensor> ownParameters() {
    return Collections.unmodifiableMap(parameters);
  }

  /** All parameters, with their dotted names, in PyTorch's order. */
  public Map<String, Tensor> namedParameters() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    visit("", (prefix, m) -> m.parameters.forEach((k, v) -> out.put(prefix + k, v)));
    return out;
  }

  /** All buffers (persistent or not), with their dotted names. */
  public Map<String, Tensor> namedBuffers() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    visit("", (prefix, m) -> m.buffers.forEach((k, v) -> out.put(prefix + k, v)));
    return out;
  }

  /**
   * The state_dict: parameters and persistent buffers of each module (its own parameters, then its
   * own buffers, then its children's, recursively), exactly as PyTorch orders it.
   */
  public Map<String, Tensor> stateDict() {
    Map<String, Tensor> out = new LinkedHashMap<>();
    visit("", (prefix, m) -> {
      m.parameters.forEach((k, v) -> out.put(prefix + k, v));
      m.buffers.forEach((k, v) -> {
        if (m.persistentBuffers.get(k)) {
          out.put(prefix + k, v);
        }
      });
    });
    return out;
  }

  /** Every module of the tree (this one first), keyed by path relative to this module. */
  public Map<String, Module> namedModules() {
    Map<String, Module> out = new LinkedHashMap<>();
    visit("", (prefix, m) -> out.put(prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1), m));
    return out;
  }

  private void visit(String prefix, BiConsumer<String, Module> action) {
    action.accept(prefix, this);
    for (Map.Entry<String, Module> c : children.entrySet()) {
      c.getValue().visit(prefix + c.getKey() + ".", action);
    }
  }

  /** The parameters as a list, for optimizers. */
  public List<Tensor> parameters() {
    return new ArrayList<>(namedParameters().values());
  }

  /** Number of elements of all trainable parameters ({@code sum(p.numel())} in PyTorch). */
  public long parameterCount() {
    long n = 0;
    for (Tensor p : namedParameters().values()) {
      n += p.numel();
    }
    return n;
  }

  public boolean isTraining() {
    return training;
  }

  /** Sets training mode on this module and all its descendants. */
  public Module train(boolean on) {
    visit("", (prefix, m) -> m.training = on);
    return this;
  }

  public Module train() {
    return train(true);
  }

  /** Evaluation mode: dropout and stochastic depth off, batch norm uses running statistics. */
  public Module eval() {
    return train(false);
  }

  /** Stops (or restarts) gradients for every parameter of this module, e.g. to freeze a backbone. */
  public Module requiresGrad(boolean on) {
    for (Tensor p : namedParameters().values()) {
      p.requires_grad_(on);
    }
    return this;
  }

  /**
   * Converts every floating-point parameter and buffer to {@code dtype} in place. Integer buffers
   * (such as {@code num_batches_tracked}) keep their type, as in PyTorch's {@code module.to(dtype)}.
   */
  public Module to(DType dtype) {
    if (!dtype.isFloatingPoint()) {
      throw new IllegalArgumentException("a module can only be converted to a floating-point type, not " + dtype);
    }
    return transformState(t -> t.is_floating_point() ? t.to(dtype.scalarType()) : null);
  }

  /** Moves every parameter and buffer to a device ({@code "cpu"}, {@code "cuda:0"}, ...) in place. */
  public Module to(String device) {
    return transformState(t -> t.to(new Device(device), t.scalar_type()));
  }

  private Module transformState(Function<Tensor, Tensor> convert) {
    try (Scope s = Scope.open(); NoGradGuard g = new NoGradGuard()) {
      List<Tensor> all = new ArrayList<>(namedParameters().values());
      all.addAll(namedBuffers().values());
      for (Tensor t : all) {
        Tensor converted = convert.apply(t);
        if (converted != null) {
          t.set_data(converted.detach());
        }
      }
    }
    return this;
  }

  /** Clears the gradients of all parameters (sets them undefined, as {@code zero_grad(set_to_none)}). */
  public void zeroGrad() {
    for (Tensor p : namedParameters().values()) {
      Tensor g = p.grad();
      if (g.defined()) {
        p.mutable_grad().reset();
      }
    }
  }

  /** The dtype of the first floating-point parameter, or float32 for a module without any. */
  public DType dtype() {
    for (Tensor p : namedParameters().values()) {
      return Tensors.dtype(p);
    }
    return DType.FLOAT32;
  }

  @Override
  public String toString() {
    return typeName() + (path().isEmpty() ? "" : " '" + path() + "'");
  }
}
