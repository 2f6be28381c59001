package io.nets4j.nn;

import org.bytedeco.pytorch.Tensor;

/**
 * Sums a tensor over the replicas of a data-parallel job, differentiably: the result holds the
 * sum of every replica's {@code local} value, and in the backward pass the gradient that reaches
 * {@code local} is the sum of every replica's gradient of the result (the adjoint of a sum whose
 * result each replica uses). What {@link BatchNorm2d#synchronize} needs for batch statistics over
 * the whole job (SyncBatchNorm).
 */
@FunctionalInterface
public interface ReplicaSum {
  Tensor apply(Tensor local);
}
