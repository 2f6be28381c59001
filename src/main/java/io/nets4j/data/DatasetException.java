package io.nets4j.data;

import io.nets4j.nn.Nets4jException;
import java.nio.file.Path;

/**
 * A data set file that cannot be used: missing, unreadable, malformed (wrong magic number,
 * truncated, counts that disagree, a label out of range) or an image that does not decode. The
 * message always starts with the file and says where in it (offset, record, line) when that helps.
 */
public class DatasetException extends Nets4jException {
  private final Path file;

  public DatasetException(Path file, String message) {
    super(file + ": " + message);
    this.file = file;
  }

  public DatasetException(Path file, String message, Throwable cause) {
    super(file + ": " + message, cause);
    this.file = file;
  }

  /** The offending file. */
  public Path file() {
    return file;
  }
}
