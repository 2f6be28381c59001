package io.nets4j.io;

import io.nets4j.nn.Nets4jException;

/**
 * A {@code torch.save} file could not be read: it is corrupt, uses something nets4j does not
 * read, or was refused because its pickle would run code. The message starts with the file name:
 * {@code model.pth: refused: data.pkl at byte 2 imports posix.system ...}.
 */
public final class PyTorchFileException extends Nets4jException {
  private final String fileName;

  PyTorchFileException(String fileName, String problem) {
    this(fileName, problem, null);
  }

  PyTorchFileException(String fileName, String problem, Throwable cause) {
    super(fileName + ": " + problem, cause);
    this.fileName = fileName;
  }

  /** The name of the file at fault (without its directory). */
  public String fileName() {
    return fileName;
  }
}
