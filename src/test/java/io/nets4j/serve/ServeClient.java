package io.nets4j.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** HTTP calls of the serve tests, on loopback. */
final class ServeClient {
  static final ObjectMapper JSON = new ObjectMapper();

  /** A response: status, content type and body. */
  record Response(int status, String contentType, byte[] body) {
    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError("not JSON (" + status + "): " + text(), e);
      }
    }
  }

  private final URI base;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  ServeClient(URI base) {
    this.base = base;
  }

  Response get(String path) {
    return send(HttpRequest.newBuilder(base.resolve(path)).GET());
  }

  Response post(String path, byte[] body, String contentType) {
    return send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  Response postAccept(String path, byte[] body, String accept) {
    return send(HttpRequest.newBuilder(base.resolve(path)).header("Accept", accept)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  private Response send(HttpRequest.Builder b) {
    try {
      HttpResponse<byte[]> r = http.send(b.timeout(Duration.ofSeconds(120)).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      return new Response(r.statusCode(), r.headers().firstValue("Content-Type").orElse(""), r.body());
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** A KServe v2 inference request with one FP32 input. */
  static byte[] inferRequest(String input, long[] shape, float[] data) {
    ObjectNode root = JSON.createObjectNode();
    ObjectNode in = root.putArray("inputs").addObject().put("name", input).put("datatype", "FP32");
    ArrayNode s = in.putArray("shape");
    for (long d : shape) {
      s.add(d);
    }
    ArrayNode values = in.putArray("data");
    for (float v : data) {
      values.add(v);
    }
    return root.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** The float values of a JSON array. */
  static float[] floats(JsonNode array) {
    float[] out = new float[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).floatValue();
    }
    return out;
  }

  /** Sends {@code head} as the raw request (headers only) and returns what the server answers first. */
  static String raw(URI base, String head) throws IOException {
    try (Socket s = new Socket(base.getHost(), base.getPort())) {
      s.setSoTimeout(60_000);
      OutputStream out = s.getOutputStream();
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[8192];
      StringBuilder sb = new StringBuilder();
      int n;
      while ((n = in.read(buf)) > 0) {
        sb.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        if (sb.indexOf("\r\n\r\n") >= 0 && sb.indexOf("}") >= 0) {
          break;
        }
      }
      return sb.toString();
    }
  }
}
