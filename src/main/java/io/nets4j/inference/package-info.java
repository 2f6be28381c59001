/**
 * Running trained classifiers: {@link ImageClassifierPipeline} goes from image files to labelled
 * class probabilities with the preprocessing of the weights, and {@link InferenceOptimizer} prepares
 * a model for fast CPU inference (batch norm folded into convolutions, channels-last weights,
 * inference mode, optional bfloat16), reporting how far the result is from float32
 * ({@link PrecisionReport}).
 */
package io.nets4j.inference;
