package io.nets4j.train;

import io.nets4j.nn.Module;
import io.nets4j.tensor.NativeRuntime;
import io.nets4j.tensor.Tensors;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.ArchiveWriter;
import org.bytedeco.pytorch.InputArchive;
import org.bytedeco.pytorch.Optimizer;
import org.bytedeco.pytorch.OptimizerOptions;
import org.bytedeco.pytorch.OptimizerParamGroup;
import org.bytedeco.pytorch.OptimizerParamGroupVector;
import org.bytedeco.pytorch.OutputArchive;
import org.bytedeco.pytorch.SGD;
import org.bytedeco.pytorch.SGDOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * libtorch's SGD or AdamW bound to a model's trainable parameters, in up to two parameter
 * groups: the decayed parameters, then (unless {@link OptimizerSpec#decayNormAndBias}) the
 * one-dimensional ones without weight decay.
 *
 * <p>The optimizer state (momentum buffers, Adam moments and step counts) is saved with
 * libtorch's own serialisation ({@code torch::optim::serialize} into an archive held as bytes):
 * it works for every libtorch optimizer and restores the state bit for bit. libtorch matches the
 * saved state to the parameters by their position in the groups, so {@link #loadState} first
 * checks that the parameter names and shapes recorded with the state are the current ones.
 *
 * <p>AdamW with {@link OptimizerSpec#fused} runs {@link FusedAdamW} (ATen's single-pass kernel)
 * instead, with the same groups; where this libtorch lacks the kernel, libtorch's AdamW is used and
 * {@link #fused()} says so.
 */
public final class TorchOptimizer {
  /** The largest chunk of saved optimizer state (256 MiB). */
  public static final int CHUNK_BYTES = 1 << 28;

  /**
   * Where beta1 lies in libtorch's {@code std::tuple<double, double> betas}: libstdc++ lays tuple
   * elements out in reverse order, libc++ in order. Read from the defaults (0.9, 0.999).
   */
  static {
    NativeRuntime.load();
  }

  private static final int BETA1_INDEX = new AdamWOptions(1.0).betas().get(0) == 0.9 ? 0 : 1;

  private final OptimizerSpec spec;
  /** libtorch's optimizer, or null when {@link #fusedAdamW} runs the updates. */
  private final Optimizer optimizer;
  private final FusedAdamW fusedAdamW;
  private final List<List<String>> groupNames = new ArrayList<>();
  private final Map<String, Tensor> parameters = new LinkedHashMap<>();
  private final TensorVector all;

  TorchOptimizer(OptimizerSpec spec, Module model) {
    this.spec = spec;
    List<String> decay = new ArrayList<>();
    List<String> noDecay = new ArrayList<>();
    for (Map.Entry<String, Tensor> p : model.namedParameters().entrySet()) {
      if (!p.getValue().requires_grad()) {
        continue;
      }
      parameters.put(p.getKey(), p.getValue());
      boolean exempt = !spec.decayNormAndBias() && spec.weightDecay() > 0 && p.getValue().dim() <= 1;
      (exempt ? noDecay : decay).add(p.getKey());
    }
    if (parameters.isEmpty()) {
      throw new IllegalArgumentException("the model has no trainable parameters (are they all frozen?)");
    }
    List<String> first = decay.isEmpty() ? noDecay : decay;
    groupNames.add(first);
    all = new TensorVector(parameters.values().toArray(new Tensor[0]));
    if (spec.fused() && FusedAdamW.available()) {
      List<Tensor[]> groups = new ArrayList<>();
      groups.add(array(first));
      List<Double> decays = new ArrayList<>(List.of(first == noDecay ? 0 : spec.weightDecay()));
      if (first == decay && !noDecay.isEmpty()) {
        groupNames.add(noDecay);
        groups.add(array(noDecay));
        decays.add(0.0);
      }
      fusedAdamW = new FusedAdamW(groups, decays.stream().mapToDouble(Double::doubleValue).toArray(), spec.lr(),
          spec.beta1(), spec.beta2(), spec.eps());
      optimizer = null;
      return;
    }
    fusedAdamW = null;
    TensorVector firstParams = vector(first);
    optimizer = switch (spec.kind()) {
      case SGD -> {
        SGDOptions o = new SGDOptions(spec.lr());
        o.momentum().put(spec.momentum());
        o.nesterov().put(spec.nesterov());
        o.weight_decay().put(first == noDecay ? 0 : spec.weightDecay());
        yield new SGD(firstParams, o);
      }
      case ADAMW -> {
        AdamWOptions o = new AdamWOptions(spec.lr());
        o.betas().put(BETA1_INDEX, spec.beta1()).put(1 - BETA1_INDEX, spec.beta2());
        o.eps().put(spec.eps());
        o.weight_decay().put(first == noDecay ? 0 : spec.weightDecay());
        yield new AdamW(firstParams, o);
      }
    };
    if (first == decay && !noDecay.isEmpty()) {
      groupNames.add(noDecay);
      // without options of its own, libtorch gives the group a copy of the defaults
      optimizer.add_param_group(new OptimizerParamGroup(vector(noDecay)));
      OptimizerParamGroupVector groups = optimizer.param_groups();
      OptimizerOptions options = groups.get(groups.size() - 1).options();
      if (spec.kind() == OptimizerSpec.Kind.SGD) {
        new SGDOptions(options).weight_decay().put(0.0);
      } else {
        new AdamWOptions(options).weight_decay().put(0.0);
      }
    }
  }

  private Tensor[] array(List<String> names) {
    return names.stream().map(parameters::get).toArray(Tensor[]::new);
  }

  private TensorVector vector(List<String> names) {
    return new TensorVector(array(names));
  }

  /** Whether the updates run ATen's fused AdamW kernel (asked for and available). */
  public boolean fused() {
    return fusedAdamW != null;
  }

  public OptimizerSpec spec() {
    return spec;
  }

  /** The trainable parameters' names, group by group (the order libtorch's state refers to). */
  public List<List<String>> groupNames() {
    return groupNames;
  }

  /** Sets the learning rate of every parameter group. */
  public void setLr(double lr) {
    if (fusedAdamW != null) {
      fusedAdamW.setLr(lr);
      return;
    }
    OptimizerParamGroupVector groups = optimizer.param_groups();
    for (long i = 0; i < groups.size(); i++) {
      groups.get(i).options().set_lr(lr);
    }
  }

  /** The learning rate of the first parameter group. */
  public double lr() {
    return fusedAdamW != null ? fusedAdamW.lr() : optimizer.param_groups().get(0).options().get_lr();
  }

  /** Clears the gradients (sets them undefined). */
  public void zeroGrad() {
    if (fusedAdamW != null) {
      fusedAdamW.zeroGrad();
    } else {
      optimizer.zero_grad(true);
    }
  }

  /** Applies one update with the current gradients. */
  public void step() {
    if (fusedAdamW != null) {
      fusedAdamW.step();
    } else {
      optimizer.step();
    }
  }

  /**
   * Rescales the gradients so that their global L2 norm is at most {@code maxNorm}
   * ({@code torch.nn.utils.clip_grad_norm_}); returns the norm before clipping.
   */
  public double clipGradNorm(double maxNorm) {
    return torch.clip_grad_norm_(all, maxNorm, 2.0, false);
  }

  /** The parameter names and shapes, one {@code name shape} entry per parameter in group order. */
  public List<String> layout() {
    List<String> out = new ArrayList<>();
    for (int g = 0; g < groupNames.size(); g++) {
      for (String n : groupNames.get(g)) {
        out.add(g + " " + n + " " + Tensors.describe(parameters.get(n)));
      }
    }
    return out;
  }

  /**
   * The optimizer state as libtorch serialises it, in chunks of at most {@link #CHUNK_BYTES}
   * (the state of a large model exceeds what one Java array or safetensors tensor holds).
   */
  public List<byte[]> saveState() {
    return saveState(CHUNK_BYTES);
  }

  List<byte[]> saveState(int chunkBytes) {
    OutputArchive archive = new OutputArchive();
    if (fusedAdamW != null) {
      fusedAdamW.save(archive);
    } else {
      optimizer.save(archive);
    }
    try (Collector collector = new Collector(chunkBytes)) {
      archive.save_to(collector);
      return collector.chunks();
    } finally {
      archive.close();
    }
  }

  /**
   * Restores a state saved by {@link #saveState} for parameters laid out as {@code layout}.
   *
   * @throws IllegalStateException if the layout differs from this optimizer's
   */
  public void loadState(List<byte[]> chunks, List<String> layout) {
    List<String> mine = layout();
    if (!mine.equals(layout)) {
      List<String> diff = new ArrayList<>();
      for (int i = 0; i < Math.max(mine.size(), layout.size()) && diff.size() < 5; i++) {
        String a = i < layout.size() ? layout.get(i) : "(none)";
        String b = i < mine.size() ? mine.get(i) : "(none)";
        if (!a.equals(b)) {
          diff.add("#" + i + ": saved " + a + ", now " + b);
        }
      }
      throw new IllegalStateException("the saved optimizer state belongs to other parameters (" + layout.size()
          + " saved, " + mine.size() + " now; group, name, shape): " + String.join("; ", diff));
    }
    long total = 0;
    for (byte[] c : chunks) {
      total += c.length;
    }
    BytePointer data = new BytePointer(total);
    InputArchive archive = new InputArchive();
    try {
      long offset = 0;
      for (byte[] c : chunks) {
        data.position(offset).put(c, 0, c.length);
        offset += c.length;
      }
      data.position(0);
      archive.load_from(data, total);
      if (fusedAdamW != null) {
        fusedAdamW.load(archive);
      } else if (FusedAdamW.isFusedState(archive)) {
        throw new IllegalStateException("the saved optimizer state is a fused AdamW state, this optimizer is "
            + spec.describe() + (spec.fused() ? " (the fused kernel is missing in this libtorch)" : ""));
      } else {
        optimizer.load(archive);
      }
    } finally {
      archive.close();
      data.close();
    }
  }

  @Override
  public String toString() {
    return spec.describe() + (spec.fused() && fusedAdamW == null ? " (libtorch's, the fused kernel is missing)" : "")
        + " over " + parameters.size() + " tensors in " + groupNames.size() + " groups";
  }

  /** Receives libtorch's archive bytes, in chunks of at most {@code chunkBytes}. */
  private static final class Collector extends ArchiveWriter {
    private final int chunkBytes;
    private final List<byte[]> done = new ArrayList<>();
    private ByteArrayOutputStream current = new ByteArrayOutputStream();

    Collector(int chunkBytes) {
      this.chunkBytes = chunkBytes;
    }

    @Override
    public long call(Pointer data, long size) {
      BytePointer p = new BytePointer(data).capacity(size);
      long offset = 0;
      while (offset < size) {
        int n = (int) Math.min(size - offset, chunkBytes - current.size());
        byte[] piece = new byte[n];
        p.position(offset).get(piece, 0, n);
        current.write(piece, 0, n);
        offset += n;
        if (current.size() == chunkBytes) {
          done.add(current.toByteArray());
          current = new ByteArrayOutputStream();
        }
      }
      return size;
    }

    List<byte[]> chunks() {
      List<byte[]> out = new ArrayList<>(done);
      if (current.size() > 0 || out.isEmpty()) {
        out.add(current.toByteArray());
      }
      return out;
    }
  }
}
