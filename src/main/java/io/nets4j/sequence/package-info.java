/**
 * Sequence models: recurrent cells and layers with {@code torch.nn}'s parameter names (RNN, LSTM,
 * GRU; {@link Recurrent}), additive and hard attention, positional encodings and the
 * encoder-decoder {@link Transformer}, with REINFORCE for non-differentiable choices
 * ({@link Reinforce}).
 */
package io.nets4j.sequence;
