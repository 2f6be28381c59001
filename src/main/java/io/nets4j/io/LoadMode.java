package io.nets4j.io;

/** How {@link StateDicts#load} treats a state_dict that does not match the model exactly. */
public enum LoadMode {
  /** Any missing, unexpected or mismatched key fails the whole load, and nothing is loaded. */
  STRICT,
  /** Matching tensors are loaded; the rest is listed in the {@link LoadReport}. */
  LENIENT
}
