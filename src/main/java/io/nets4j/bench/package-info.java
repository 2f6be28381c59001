/**
 * The benchmark harness behind {@code nets4j bench}: inference latency and throughput, training
 * steps, data-parallel scaling, data-loader, preprocessing and serving throughput, each measurement
 * in a fresh JVM ({@link ChildJvm}) with order statistics ({@link Stats}) and the machine it ran on
 * ({@link MachineInfo}). It is tooling, not library API: it moves to the command-line module.
 */
package io.nets4j.bench;
