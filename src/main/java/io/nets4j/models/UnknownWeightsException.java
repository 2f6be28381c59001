package io.nets4j.models;

import io.nets4j.nn.Nets4jException;
import java.util.List;

/** A weights name that is not among those published for a model, with the ones that are. */
public final class UnknownWeightsException extends Nets4jException {
  private final List<String> available;

  public UnknownWeightsException(String model, String name, List<String> available) {
    super("unknown weights '" + name + "' for model '" + model + "'; "
        + (available.isEmpty() ? model + " has no published weights"
            : "published: " + String.join(", ", available) + " (or DEFAULT)")
        + " (`nets4j list --weights " + model + "` prints them)");
    this.available = List.copyOf(available);
  }

  /** The names published for the model. */
  public List<String> available() {
    return available;
  }
}
