package io.nets4j.io;

import io.nets4j.nn.Nets4jException;

/**
 * A safetensors file could not be read or written. The message starts with the file name and,
 * when one tensor is at fault, its key: {@code model.safetensors: tensor 'fc.weight': ...}.
 */
public final class SafeTensorsException extends Nets4jException {
  private final String fileName;
  private final String key;

  SafeTensorsException(String fileName, String key, String problem) {
    this(fileName, key, problem, null);
  }

  SafeTensorsException(String fileName, String key, String problem, Throwable cause) {
    super(fileName + ": " + (key == null ? "" : "tensor '" + key + "': ") + problem, cause);
    this.fileName = fileName;
    this.key = key;
  }

  /** The name of the file at fault (without its directory). */
  public String fileName() {
    return fileName;
  }

  /** The key of the tensor at fault, or {@code null} when the problem is not about one tensor. */
  public String key() {
    return key;
  }
}
