package io.nets4j.sequence;

import org.bytedeco.pytorch.Tensor;

/** The four tensors of one cell (one layer and direction of a recurrent layer); biases may be null. */
record CellWeights(Tensor weightIh, Tensor weightHh, Tensor biasIh, Tensor biasHh) {}
