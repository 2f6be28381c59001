package io.nets4j.nn;

/**
 * A forward pass failed inside a layer; the message starts with the layer's path in the model
 * (as in its state_dict keys) and its type, e.g. {@code layer1.0.conv1 (Conv2d): ...}.
 */
public final class LayerException extends Nets4jException {
  private final String layerPath;

  public LayerException(Module layer, String problem) {
    this(layer, problem, null);
  }

  private LayerException(Module layer, String problem, Throwable cause) {
    super(label(layer) + ": " + problem, cause);
    this.layerPath = layer.path();
  }

  /** The path of the failing layer, e.g. {@code layer1.0.conv1}; empty for the root model. */
  public String layerPath() {
    return layerPath;
  }

  static String label(Module layer) {
    String path = layer.path();
    return (path.isEmpty() ? "<model>" : path) + " (" + layer.typeName() + ")";
  }

  /** Wraps a libtorch error raised inside {@code layer}, keeping only its first line of text. */
  static RuntimeException wrap(Module layer, RuntimeException e) {
    if (e instanceof Nets4jException) {
      return e;
    }
    String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    int cut = msg.indexOf("\nException raised from");
    if (cut < 0) {
      cut = msg.indexOf("Exception raised from");
    }
    if (cut > 0) {
      msg = msg.substring(0, cut);
    }
    return new LayerException(layer, msg.strip(), e);
  }
}
