/**
 * Small complete tasks built on the sequence models, with their data generated in-process:
 * sequence-to-sequence date normalisation with Bahdanau attention or a Transformer
 * ({@code nets4j seq2seq}), character language models compared by perplexity with n-gram baselines
 * ({@code nets4j lm}), and the attention heatmaps they draw.
 */
package io.nets4j.sequence.tasks;
