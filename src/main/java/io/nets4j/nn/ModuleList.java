package io.nets4j.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;

/** Holds child modules named by index ({@code nn.ModuleList}); the owner decides how to call them. */
public final class ModuleList<M extends Module> extends Module implements Iterable<M> {
  private final List<M> items = new ArrayList<>();

  public ModuleList<M> add(M module) {
    register(Integer.toString(items.size()), module);
    items.add(module);
    return this;
  }

  public M get(int index) {
    return items.get(index);
  }

  public int size() {
    return items.size();
  }

  public List<M> asList() {
    return Collections.unmodifiableList(items);
  }

  @Override
  public Iterator<M> iterator() {
    return asList().iterator();
  }
}
