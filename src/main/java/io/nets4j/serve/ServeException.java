package io.nets4j.serve;

import io.nets4j.nn.Nets4jException;

/**
 * A request the server refuses, with the HTTP status it answers ({@code 400} bad input, {@code 404}
 * unknown model or path, {@code 413} body too large, {@code 503} queue full, ...); the message,
 * which says what was wrong, becomes the JSON {@code {"error": ...}} body.
 */
public final class ServeException extends Nets4jException {
  private final int status;

  public ServeException(int status, String message) {
    super(message);
    this.status = status;
  }

  public ServeException(int status, String message, Throwable cause) {
    super(message, cause);
    this.status = status;
  }

  static ServeException badRequest(String message) {
    return new ServeException(400, message);
  }

  /** The HTTP status code. */
  public int status() {
    return status;
  }
}
