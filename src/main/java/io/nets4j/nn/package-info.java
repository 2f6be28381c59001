/**
 * The building blocks of models, with the parameter and buffer names of {@code torch.nn} so that
 * PyTorch state_dicts load as they are: {@link Module} (the parameter tree and
 * {@code stateDict()}), {@link Layer} and its convolutions, normalisations, pooling, attention and
 * containers, weight initialisation as PyTorch does it ({@link Init}), the functional operations
 * ({@link F}), and {@link Nets4jException}, the root of the errors nets4j reports for bad input.
 */
package io.nets4j.nn;
