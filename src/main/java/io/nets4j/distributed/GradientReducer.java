package io.nets4j.distributed;

import java.util.Collections;
import java.util.List;
import org.bytedeco.pytorch.BoolVector;
import org.bytedeco.pytorch.LongVector;
import org.bytedeco.pytorch.LoggerOptional;
import org.bytedeco.pytorch.ProcessGroup;
import org.bytedeco.pytorch.Reducer;
import org.bytedeco.pytorch.SizeTStringMap;
import org.bytedeco.pytorch.SizeTVector;
import org.bytedeco.pytorch.SizeTVectorVector;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import java.util.ArrayList;

/**
 * Averages gradients over the ranks during the backward pass with libtorch's own DDP engine,
 * {@code c10d::Reducer} (Li et al. 2020, "PyTorch Distributed: Experiences on Accelerating Data
 * Parallel Training"): the parameters are grouped into buckets of about {@code bucketBytes}
 * (the first one small, 1 MiB, so communication starts early), in reverse order, as gradients
 * become ready; an autograd hook per parameter launches the allreduce of a bucket as soon as all
 * its gradients are computed, overlapping communication with the rest of the backward pass. At
 * the end of backward every parameter's {@code grad} holds the mean over the ranks.
 *
 * <p>As in {@code DistributedDataParallel(find_unused_parameters=False)}, every parameter given
 * must receive a gradient in every step.
 */
public final class GradientReducer {
  /** DDP's default {@code bucket_cap_mb}: 25 MiB. */
  public static final long DEFAULT_BUCKET_BYTES = 25L << 20;
  /** {@code torch.distributed._DEFAULT_FIRST_BUCKET_BYTES}. */
  private static final long FIRST_BUCKET_BYTES = 1L << 20;

  private final Reducer reducer;
  private final DistributedGroup group;

  /**
   * @param parameters the trainable parameters, in the model's registration order
   */
  public GradientReducer(DistributedGroup group, List<Tensor> parameters, long bucketBytes) {
    if (bucketBytes < 1) {
      throw new IllegalArgumentException("the gradient bucket size must be positive, got " + bucketBytes + " bytes");
    }
    if (parameters.isEmpty()) {
      throw new IllegalArgumentException("no trainable parameters to reduce");
    }
    this.group = group;
    TensorVector params = new TensorVector(parameters.toArray(new Tensor[0]));
    BoolVector sparse = new BoolVector(parameters.size());
    SizeTVectorVector assigned = torch.compute_bucket_assignment_by_size(params,
        new SizeTVector(FIRST_BUCKET_BYTES, bucketBytes), sparse, new LongVector(), new LoggerOptional()).get0();
    // gradients arrive roughly in reverse registration order: the Reducer wants the buckets that way
    List<long[]> buckets = new ArrayList<>();
    for (long i = 0; i < assigned.size(); i++) {
      buckets.add(assigned.get(i).get());
    }
    Collections.reverse(buckets);
    SizeTVectorVector ordered = new SizeTVectorVector();
    for (long[] b : buckets) {
      ordered.push_back(new SizeTVector(b));
    }
    ProcessGroup pg = group.processGroup();
    this.reducer = new Reducer(params, ordered, pg, sparse, bucketBytes, false, false, new SizeTStringMap(),
        FIRST_BUCKET_BYTES, false, false);
  }

  /**
   * Before the forward pass: after the first step the Reducer rebuilds its buckets in the order
   * the gradients actually arrived (agreed with rank 0 by a broadcast), as DDP's forward does.
   */
  public void beforeForward() {
    try {
      reducer.rebuild_buckets();
    } catch (RuntimeException e) {
      throw new DistributedException("rank " + group.rank() + " of " + group.worldSize()
          + ": rebuilding the gradient buckets failed: " + DistributedGroup.nativeMessage(e), e);
    }
  }

  /** Arms the autograd hooks for the backward pass of {@code loss}; call it right before {@code backward()}. */
  public void beforeBackward(Tensor loss) {
    reducer.prepare_for_backward(new TensorVector(loss));
  }

  /**
   * Wraps a failure of the backward pass: with the hooks armed, it is where a dead or hung rank
   * shows up.
   */
  public DistributedException failure(RuntimeException e) {
    return new DistributedException("rank " + group.rank() + " of " + group.worldSize() + ": the gradient allreduce "
        + "during backward failed, so another rank has died, hung or lost its connection: "
        + DistributedGroup.nativeMessage(e), e);
  }
}
