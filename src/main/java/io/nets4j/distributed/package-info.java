/**
 * Distributed data-parallel training on libtorch's c10d: {@link io.nets4j.distributed.ProcessGroups}
 * joins a job described by torchrun's variables ({@link io.nets4j.distributed.DistributedConfig}),
 * {@link io.nets4j.distributed.DistributedGroup} runs the collectives and agreement checks,
 * {@link io.nets4j.distributed.GradientReducer} averages gradients with libtorch's DDP
 * {@code Reducer}, and {@link io.nets4j.distributed.Launcher} starts the worker JVMs of a machine.
 * See {@code docs/distributed.md}.
 */
package io.nets4j.distributed;
