package io.nets4j.train;

import io.nets4j.tensor.BoxedOperator;
import io.nets4j.tensor.Scope;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bytedeco.pytorch.GenericList;
import org.bytedeco.pytorch.IValue;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.ListType;
import org.bytedeco.pytorch.OutputArchive;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.ScalarTypeOptional;
import org.bytedeco.pytorch.StringVector;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * AdamW (Loshchilov and Hutter 2019, "Decoupled Weight Decay Regularization") through ATen's
 * multi-tensor kernel {@code aten::_fused_adamw_}: one pass over each parameter's memory per step
 * (PyTorch's {@code torch.optim.AdamW(fused=True)}), where libtorch's C++ AdamW runs about eight
 * separate element-wise operators with temporaries per parameter.
 *
 * <p>The bytedeco presets expose no Java function for the operator, so it is called boxed through
 * the dispatcher; its schema (PyTorch 2.10) is {@code _fused_adamw_(Tensor(a!)[] self,
 * Tensor(b!)[] grads, Tensor(c!)[] exp_avgs, Tensor(d!)[] exp_avg_sqs, Tensor(e!)[]
 * max_exp_avg_sqs, Tensor[] state_steps, *, float lr, float beta1, float beta2, float
 * weight_decay, float eps, bool amsgrad, bool maximize, Tensor? grad_scale, Tensor? found_inf)}.
 * Like PyTorch's optimizer, the caller keeps the state (first and second moments and a float32
 * step count per parameter) and increments the step counts before the call; the kernel reads each
 * parameter, gradient and moment as one flat array, so they must share one memory layout.
 *
 * <p>The state is serialised into a libtorch archive of its own (marker key {@value #MARKER}),
 * indexed by the parameters' position in the groups; it is not interchangeable with the archive of
 * libtorch's {@code torch::optim::AdamW}, and each refuses the other's with a clear message.
 */
final class FusedAdamW {
  /** The archive key that marks a fused AdamW state. */
  static final String MARKER = "nets4j_fused_adamw";
  private static final String OPERATOR = "aten::_fused_adamw_";
  private static final BoxedOperator OP = BoxedOperator.find(OPERATOR).orElse(null);

  private final double beta1;
  private final double beta2;
  private final double eps;
  private final List<Tensor[]> groups;
  private final double[] weightDecay;
  private final Slot[][] slots;
  private double lr;

  /** A parameter's state, created (outside every scope) at its first update. */
  private static final class Slot {
    Tensor expAvg;
    Tensor expAvgSq;
    Tensor step;
  }

  /**
   * @param groups the parameters, group by group
   * @param weightDecay each group's decoupled weight decay
   */
  FusedAdamW(List<Tensor[]> groups, double[] weightDecay, double lr, double beta1, double beta2, double eps) {
    if (!available()) {
      throw new UnsupportedOperationException(OPERATOR + " is not available in this libtorch");
    }
    this.groups = groups;
    this.weightDecay = weightDecay.clone();
    this.lr = lr;
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    slots = new Slot[groups.size()][];
    for (int g = 0; g < groups.size(); g++) {
      slots[g] = new Slot[groups.get(g).length];
    }
  }

  /** Whether this libtorch registers {@code aten::_fused_adamw_} with a CPU kernel. */
  static boolean available() {
    return OP != null;
  }

  void setLr(double lr) {
    this.lr = lr;
  }

  double lr() {
    return lr;
  }

  /** Sets every gradient undefined (libtorch's {@code zero_grad(set_to_none=true)}). */
  void zeroGrad() {
    for (Tensor[] group : groups) {
      for (Tensor p : group) {
        p.mutable_grad().reset();
      }
    }
  }

  /** One update of every parameter that has a gradient (the others keep their state, as in libtorch). */
  void step() {
    try (Scope s = Scope.open()) {
      for (int g = 0; g < groups.size(); g++) {
        Tensor[] params = groups.get(g);
        GenericList ps = tensorList();
        GenericList grads = tensorList();
        GenericList m = tensorList();
        GenericList v = tensorList();
        GenericList steps = tensorList();
        for (int i = 0; i < params.length; i++) {
          Tensor p = params[i];
          Tensor grad = p.grad();
          if (!grad.defined()) {
            continue;
          }
          Slot slot = slots[g][i] == null ? (slots[g][i] = newSlot(p)) : slots[g][i];
          slot.step.add_(new Scalar(1.0));
          ps.push_back(new IValue(p));
          grads.push_back(new IValue(sameLayout(grad, p)));
          m.push_back(new IValue(slot.expAvg));
          v.push_back(new IValue(slot.expAvgSq));
          steps.push_back(new IValue(slot.step));
        }
        if (ps.size() > 0) {
          call(ps, grads, m, v, steps, weightDecay[g]);
        }
      }
    }
  }

  private void call(GenericList ps, GenericList grads, GenericList m, GenericList v, GenericList steps,
      double decay) {
    OP.call(new IValue(ps), new IValue(grads), new IValue(m), new IValue(v), new IValue(tensorList()),
        new IValue(steps), new IValue(lr), new IValue(beta1), new IValue(beta2), new IValue(decay), new IValue(eps),
        new IValue(false) /* amsgrad */, new IValue(false) /* maximize */, new IValue() /* grad_scale */,
        new IValue() /* found_inf */);
  }

  private static GenericList tensorList() {
    return new GenericList(ListType.ofTensors().getElementType());
  }

  /** The kernel walks parameter and gradient as flat arrays: a gradient in another layout is copied. */
  private static Tensor sameLayout(Tensor grad, Tensor p) {
    if (Arrays.equals(grad.strides().vec().get(), p.strides().vec().get())) {
      return grad;
    }
    return torch.empty_like(p).copy_(grad);
  }

  private static Slot newSlot(Tensor p) {
    Slot s = new Slot();
    // zeros_like keeps the parameter's strides (e.g. channels-last), as the kernel needs
    s.expAvg = Scope.detachFromScopes(torch.zeros_like(p));
    s.expAvgSq = Scope.detachFromScopes(torch.zeros_like(p));
    s.step = Scope.detachFromScopes(torch.zeros(new long[] {}, p.options().dtype(
        new ScalarTypeOptional(torch.ScalarType.Float))));
    return s;
  }

  /** Writes the state: each updated parameter's moments and step count, keyed by its position. */
  void save(OutputArchive archive) {
    archive.write(MARKER, new IValue(1L));
    archive.write("lr", new IValue(lr));
    int index = 0;
    for (Slot[] group : slots) {
      for (Slot s : group) {
        if (s != null) {
          archive.write("exp_avg." + index, s.expAvg);
          archive.write("exp_avg_sq." + index, s.expAvgSq);
          archive.write("step." + index, s.step);
        }
        index++;
      }
    }
  }

  /** Whether {@code archive} holds a state written by {@link #save}. */
  static boolean isFusedState(InputArchive archive) {
    return keys(archive).contains(MARKER);
  }

  private static Set<String> keys(InputArchive archive) {
    StringVector keys = archive.keys();
    Set<String> out = new HashSet<>();
    for (long i = 0; i < keys.size(); i++) {
      out.add(keys.get(i).getString());
    }
    return out;
  }

  /** Replaces the state with the one in {@code archive} (the caller has checked the layout). */
  void load(InputArchive archive) {
    Set<String> keys = keys(archive);
    if (!keys.contains(MARKER)) {
      throw new IllegalStateException("the saved optimizer state is libtorch's AdamW or SGD archive, not a fused "
          + "AdamW state (resume with the optimizer the run was started with)");
    }
    IValue savedLr = new IValue();
    archive.read("lr", savedLr);
    lr = savedLr.toDouble();
    int index = 0;
    for (int g = 0; g < groups.size(); g++) {
      for (int i = 0; i < groups.get(g).length; i++, index++) {
        if (!keys.contains("step." + index)) {
          slots[g][i] = null;
          continue;
        }
        Tensor p = groups.get(g)[i];
        Slot s = newSlot(p);
        read(archive, "exp_avg." + index, s.expAvg);
        read(archive, "exp_avg_sq." + index, s.expAvgSq);
        read(archive, "step." + index, s.step);
        slots[g][i] = s;
      }
    }
  }

  private static void read(InputArchive archive, String key, Tensor into) {
    try (Scope s = Scope.open()) {
      Tensor t = new Tensor();
      archive.read(key, t);
      if (!Arrays.equals(t.sizes().vec().get(), into.sizes().vec().get())) {
        throw new IllegalStateException("fused AdamW state '" + key + "' has shape "
            + Arrays.toString(t.sizes().vec().get()) + ", expected " + Arrays.toString(into.sizes().vec().get()));
      }
      into.copy_(t);
    }
  }
}
