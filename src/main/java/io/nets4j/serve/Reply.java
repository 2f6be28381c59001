package io.nets4j.serve;

import java.nio.charset.StandardCharsets;

/** An HTTP response body with its status and content type. */
public record Reply(int status, String contentType, byte[] body) {
  static final String JSON = "application/json";

  public Reply {
    body = body.clone();
  }

  @Override
  public byte[] body() {
    return body.clone();
  }

  static Reply json(int status, String text) {
    return new Reply(status, JSON, text.getBytes(StandardCharsets.UTF_8));
  }
}
