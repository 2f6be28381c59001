package io.nets4j.distributed;

import io.nets4j.tensor.Scope;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bytedeco.pytorch.AllreduceOptions;
import org.bytedeco.pytorch.Backend;
import org.bytedeco.pytorch.ProcessGroup;
import org.bytedeco.pytorch.ReduceOp;
import org.bytedeco.pytorch.Store;
import io.nets4j.nn.ReplicaSum;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorBase;
import org.bytedeco.pytorch.TensorTensorHook;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.Work;
import org.bytedeco.pytorch.global.torch;

/**
 * A connected c10d process group (made by {@link ProcessGroups#connect}): this process's rank,
 * the collectives the trainer needs, and agreement checks through the rendezvous store. Every
 * collective blocks until done; a failure (a rank died, hung past the timeout, or disagrees)
 * becomes a {@link DistributedException} naming this rank, the operation and the cause.
 *
 * <p>The native objects live as long as the process: c10d's background threads may still refer
 * to them while the JVM shuts down, so they are deliberately never freed from Java.
 */
public final class DistributedGroup {
  /** As {@code torch.nn.parallel.DistributedDataParallel}'s {@code broadcast_bucket_size}. */
  private static final long BROADCAST_BUCKET_BYTES = 250L << 20;

  private final DistributedConfig config;
  // held only to keep the store's Java wrappers reachable as long as the group
  private final Object adoptedStore;
  private final Store store;
  private final ProcessGroup group;
  private final Backend backend;

  DistributedGroup(DistributedConfig config, Object adoptedStore, Store store, ProcessGroup group, Backend backend) {
    this.config = config;
    this.adoptedStore = adoptedStore;
    this.store = store;
    this.group = group;
    this.backend = backend;
  }

  public DistributedConfig config() {
    return config;
  }

  public int rank() {
    return config.rank();
  }

  public int worldSize() {
    return config.worldSize();
  }

  public boolean isMaster() {
    return config.isMaster();
  }

  /** The process group for libtorch's DDP machinery ({@link GradientReducer}). */
  ProcessGroup processGroup() {
    return group;
  }

  /** Sums {@code t} over all ranks, in place. */
  public void allreduceSum(Tensor t) {
    try (Scope s = Scope.open()) {
      AllreduceOptions options = new AllreduceOptions();
      options.reduceOp(new ReduceOp(ReduceOp.RedOpType.SUM));
      await(backend.allreduce(new TensorVector(t), options), "allreduce");
    }
  }

  /**
   * Copies rank {@code root}'s values of {@code tensors} into every rank's, in buckets (c10d's
   * {@code broadcast_coalesced}, as DDP syncs parameters and buffers).
   */
  public void broadcast(List<Tensor> tensors, int root) {
    if (tensors.isEmpty()) {
      return;
    }
    try {
      torch.broadcast_coalesced(group, new TensorVector(tensors.toArray(new Tensor[0])), BROADCAST_BUCKET_BYTES,
          root);
    } catch (RuntimeException e) {
      throw failure("broadcast from rank " + root, e);
    }
  }

  /**
   * A differentiable sum over the ranks ({@link ReplicaSum}), for synchronised batch norm: the
   * value is the allreduced sum; a gradient hook on the local tensor allreduces its gradient in
   * the backward pass. The result is {@code total + (local - local.detach())}: exactly the total,
   * with the identity as derivative.
   */
  public ReplicaSum replicaSum() {
    GradientSum.use(this);
    return local -> {
      Tensor total = local.detach().clone();
      allreduceSum(total);
      if (!local.requires_grad()) {
        return total;
      }
      local.register_hook(GradientSum.HOOK);
      return total.add(local.sub(local.detach()));
    };
  }

  /**
   * The gradient hook of {@link #replicaSum}. JavaCPP gives each callback class only a few
   * native entry points, so there is one hook per process, reused for every tensor, and it sums
   * over the one group of the process.
   */
  private static final class GradientSum extends TensorTensorHook {
    static final GradientSum HOOK = new GradientSum();
    private static volatile DistributedGroup group;

    static void use(DistributedGroup g) {
      group = g;
    }

    @Override
    public TensorBase call(TensorBase grad) {
      Tensor summed = new Tensor(grad).clone();
      group.allreduceSum(summed);
      // returned by value: autograd keeps its own reference, whatever frees this handle
      return summed;
    }
  }

  /** Waits until every rank has reached this point. */
  public void barrier() {
    await(backend.barrier(), "barrier");
  }

  /**
   * Fails on every rank, with the same message, unless all ranks give the same {@code value} for
   * {@code what} (e.g. a hash of the model and settings); rank 0's value is the reference. Runs
   * through the store, so it also works before the first collective.
   */
  public void agree(String what, String value) {
    agreeThrough(store, config, what, value);
  }

  static void agreeThrough(Store store, DistributedConfig config, String what, String value) {
    String key = "nets4j/agree/" + what + "/";
    String me = "rank " + config.rank() + " of " + config.worldSize();
    try {
      store.set(key + config.rank(), value);
      if (config.isMaster()) {
        List<String> differing = new ArrayList<>();
        for (int r = 1; r < config.worldSize(); r++) {
          String v;
          try {
            v = store.get_to_str(key + r);
          } catch (RuntimeException e) {
            throw new DistributedException(me + ": rank " + r + " did not report its " + what.replace('_', ' ')
                + " within " + ProcessGroups.seconds(config) + " (is it started, with WORLD_SIZE " + config.worldSize()
                + " and the same MASTER_ADDR and MASTER_PORT?) (" + nativeMessage(e) + ")", e);
          }
          if (!v.equals(value)) {
            differing.add("rank " + r + " has " + shorten(v));
          }
        }
        String verdict = differing.isEmpty() ? "" : "the ranks disagree on the " + what.replace('_', ' ')
            + ": rank 0 has " + shorten(value) + ", " + String.join(", ", differing);
        store.set(key + "verdict", verdict.isEmpty() ? "ok" : verdict);
        if (!verdict.isEmpty()) {
          throw new DistributedException(me + ": " + verdict);
        }
      } else {
        String verdict = store.get_to_str(key + "verdict");
        if (!verdict.equals("ok")) {
          throw new DistributedException(me + ": " + verdict);
        }
      }
    } catch (DistributedException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new DistributedException(me + ": the ranks did not all report their " + what.replace('_', ' ') + " within "
          + ProcessGroups.seconds(config) + " (is every rank started, with the same WORLD_SIZE " + config.worldSize()
          + "?) (" + nativeMessage(e) + ")", e);
    }
  }

  private void await(Work work, String op) {
    try {
      work._wait();
    } catch (RuntimeException e) {
      throw failure(op, e);
    }
  }

  private DistributedException failure(String op, RuntimeException e) {
    return new DistributedException(String.format(Locale.ROOT, "rank %d of %d: %s failed, so another rank has died, "
        + "hung for more than %s or lost its connection: %s", rank(), worldSize(), op, ProcessGroups.seconds(config),
        nativeMessage(e)), e);
  }

  /** The first lines of a c10d error, without the C++ stack trace that follows them. */
  static String nativeMessage(RuntimeException e) {
    String m = String.valueOf(e.getMessage());
    int cut = m.indexOf("Exception raised from");
    if (cut >= 0) {
      m = m.substring(0, cut);
    }
    // Gloo prefixes the source file of the build machine: "[/home/.../gloo/transport/tcp/pair.cc:538] "
    m = m.replaceAll("\\[[^\\]\\s]*/([^/\\]]+:\\d+)\\] ", "[$1] ");
    return m.strip().replaceAll("\\s*\n\\s*", "; ");
  }

  private static String shorten(String v) {
    return v.length() <= 80 ? "'" + v + "'" : "'" + v.substring(0, 77) + "...'";
  }
}
