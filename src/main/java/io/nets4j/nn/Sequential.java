package io.nets4j.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * Layers applied in order. Children are named by their index ({@code 0, 1, ...}) as in
 * {@code nn.Sequential(...)}, or by an explicit name as in {@code nn.Sequential(OrderedDict(...))}.
 */
public class Sequential extends Layer {
  private final List<Layer> layers = new ArrayList<>();
  private final List<String> names = new ArrayList<>();

  public Sequential(Layer... layers) {
    for (Layer l : layers) {
      add(l);
    }
  }

  public Sequential(List<? extends Layer> layers) {
    for (Layer l : layers) {
      add(l);
    }
  }

  /** Appends a layer named by its index. */
  public final Sequential add(Layer layer) {
    return add(Integer.toString(layers.size()), layer);
  }

  /** Appends a layer under an explicit name. */
  public final Sequential add(String name, Layer layer) {
    register(name, layer);
    layers.add(layer);
    names.add(name);
    return this;
  }

  /**
   * Replaces the layer at {@code index}, keeping its name and its place in the state_dict (e.g. the
   * class projection of a classifier, for another number of classes).
   *
   * @return the new layer
   */
  public final <L extends Layer> L replace(int index, L layer) {
    if (index < 0 || index >= layers.size()) {
      throw new IndexOutOfBoundsException("no layer " + index + " to replace in " + this + " of " + layers.size()
          + " layers");
    }
    layers.set(index, replace(names.get(index), layer));
    return layer;
  }

  public final Layer get(int index) {
    return layers.get(index);
  }

  public final int size() {
    return layers.size();
  }

  public final List<Layer> layers() {
    return Collections.unmodifiableList(layers);
  }

  @Override
  protected Tensor compute(Tensor x) {
    Tensor y = x;
    for (Layer l : layers) {
      y = l.forward(y);
    }
    return y;
  }
}
