package io.nets4j.models;

import io.nets4j.nn.Nets4jException;
import java.util.List;

/** A model name that the registry does not know, with the closest known names. */
public final class UnknownModelException extends Nets4jException {
  private final List<String> suggestions;

  public UnknownModelException(String name, List<String> suggestions) {
    super("unknown model '" + name + "'"
        + (suggestions.isEmpty() ? "" : "; did you mean " + String.join(", ", suggestions) + "?")
        + " (`nets4j list` prints every model)");
    this.suggestions = List.copyOf(suggestions);
  }

  public List<String> suggestions() {
    return suggestions;
  }
}
