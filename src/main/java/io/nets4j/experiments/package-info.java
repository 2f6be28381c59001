/**
 * Experiments that reproduce the design claims of modern CNNs by training small registered models
 * on real data (Fashion-MNIST): {@code nets4j experiment NAME}. An {@link io.nets4j.experiments.Experiment}
 * trains through {@link io.nets4j.train.Trainer} (progress, {@code metrics.jsonl}, checkpoints), over
 * several seeds ({@link io.nets4j.experiments.SeedStats}), and returns tables, plots and the
 * {@link io.nets4j.experiments.Claim}s computed from its numbers; {@link io.nets4j.experiments.ExperimentReport}
 * writes them as Markdown and JSON, {@link io.nets4j.experiments.ExperimentIndex} indexes the documents.
 */
package io.nets4j.experiments;
