/**
 * Looking inside models: {@link io.nets4j.analysis.ModelSummary} (per-layer output shapes,
 * parameters, multiply-accumulates and receptive fields, with totals of parameters, MACs and
 * memory; {@code nets4j summary}) and the documents that {@code nets4j explain} generates from its
 * numbers ({@link io.nets4j.analysis.ClassicCnns}, {@code docs/classic-cnns.md};
 * {@link io.nets4j.analysis.EfficientNetScaling}), or from them and CPU latencies measured by
 * {@link io.nets4j.analysis.Latency} on the {@link io.nets4j.analysis.Machine} it runs on
 * ({@link io.nets4j.analysis.EfficientCnns}, {@code docs/efficient-cnns.md}).
 *
 * <p>For model authors: the summary observes layer calls, so a new model needs nothing to be
 * summarised. A new layer type with a cost gets a rule in {@link io.nets4j.analysis.LayerRules}
 * (and a {@link io.nets4j.analysis.Window} if it slides over the image); a cost that no layer call
 * shows — the matrix products of attention, {@code F.linear} on raw parameters — is reported from
 * the layer's {@code compute} with {@link io.nets4j.nn.MacCounter}.
 */
package io.nets4j.analysis;
