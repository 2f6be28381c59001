package io.nets4j.io;

import java.util.List;

/**
 * What {@link StateDicts#load} did.
 *
 * @param source the file name, or {@code state_dict} for an in-memory map
 * @param loaded the keys whose values were copied into the model, in the model's order
 * @param missing the model's keys absent from the source, in the model's order
 * @param unexpected the source's keys the model does not have, in the source's order
 * @param skipped the keys present on both sides whose shape or dtype does not match
 */
public record LoadReport(String source, List<String> loaded, List<String> missing, List<String> unexpected,
    List<Mismatch> skipped) {

  public LoadReport {
    loaded = List.copyOf(loaded);
    missing = List.copyOf(missing);
    unexpected = List.copyOf(unexpected);
    skipped = List.copyOf(skipped);
  }

  /**
   * A key that was not loaded because its tensor does not fit the model's.
   *
   * @param key the state_dict key
   * @param reason what differs, e.g. {@code shape mismatch: expected F32 [8, 3, 3, 3], got F32 [8, 3, 5, 5]}
   */
  public record Mismatch(String key, String reason) {
    @Override
    public String toString() {
      return "'" + key + "': " + reason;
    }
  }

  /** Whether the source matched the model exactly: every key loaded and nothing left over. */
  public boolean isComplete() {
    return missing.isEmpty() && unexpected.isEmpty() && skipped.isEmpty();
  }

  /** A readable summary: the counts, then one line per key that was not loaded. */
  @Override
  public String toString() {
    StringBuilder out = new StringBuilder(source).append(": loaded ").append(loaded.size()).append(" of ")
        .append(loaded.size() + missing.size() + skipped.size()).append(" tensors");
    if (isComplete()) {
      return out.toString();
    }
    out.append(" (").append(missing.size()).append(" missing, ").append(unexpected.size())
        .append(" unexpected, ").append(skipped.size()).append(" skipped)");
    missing.forEach(k -> out.append("\n  missing: '").append(k).append('\''));
    unexpected.forEach(k -> out.append("\n  unexpected: '").append(k).append('\''));
    skipped.forEach(m -> out.append("\n  skipped ").append(m));
    return out.toString();
  }
}
