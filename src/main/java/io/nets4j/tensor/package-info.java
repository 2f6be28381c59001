/**
 * The libtorch layer under everything else: {@link NativeRuntime} loads libtorch once per JVM with
 * thread settings that keep its OpenMP and OpenBLAS pools from fighting, {@link Scope} frees the
 * native objects created inside it (the memory discipline every other package follows),
 * {@link Tensors} moves data between Java arrays and tensors, and {@link DType}, {@link Autocast},
 * {@link CpuCapabilities} and {@link NativeMemory} describe element types, CPU mixed precision, what
 * the processor offers and how much native memory is in use.
 */
package io.nets4j.tensor;
