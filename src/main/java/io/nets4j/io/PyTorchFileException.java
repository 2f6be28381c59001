package io.nets4j.io;

import io.nets4j.nn.Nets4jException;

/**
 * A {@code torch.save} file could not be read: it is corrupt, uses something nets4j does not
 * read, or was refused because its pickle would run code. The message starts with the file name:
 * {@code model.pth: refused: data.pkl at byte 2 imports posix.system ...}.
 */
public final class PyTorchFileException extends Nets4jException {
  private final String fileName;
  private final boolean endOfInput;

  PyTorchFileException(String fileName, String problem) {
    this(fileName, problem, null);
  }

  PyTorchFileException(String fileName, String problem, Throwable cause) {
    this(fileName, problem, cause, false);
  }

  /** @param endOfInput whether the bytes given to the reader ended before the structure did */
  PyTorchFileException(String fileName, String problem, Throwable cause, boolean endOfInput) {
    super(fileName + ": " + problem, cause);
    this.fileName = fileName;
    this.endOfInput = endOfInput;
  }

  /** Whether reading stopped because the bytes given ended (a longer read may succeed). */
  boolean endOfInput() {
    return endOfInput;
  }

  /** The name of the file at fault (without its directory). */
  public String fileName() {
    return fileName;
  }
}
