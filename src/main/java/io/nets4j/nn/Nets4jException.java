package io.nets4j.nn;

/** Base of the errors nets4j raises for bad input, with a message that names what and where. */
public class Nets4jException extends RuntimeException {
  public Nets4jException(String message) {
    super(message);
  }

  public Nets4jException(String message, Throwable cause) {
    super(message, cause);
  }
}
