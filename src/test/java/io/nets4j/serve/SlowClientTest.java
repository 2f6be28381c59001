package io.nets4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * Clients that stop sending in the middle of a request have their connection closed after the read
 * timeout, and the server goes on answering. (Its own JVM: the JDK's server reads the timeout once.)
 */
class SlowClientTest {
  @Test
  void aRequestThatStopsHalfwayIsClosedAndTheServerKeepsAnswering() throws IOException {
    DynamicBatcherTest.Echo echo = new DynamicBatcherTest.Echo(new CountDownLatch(0));
    ServerOptions options = ServerOptions.defaults().withPort(0).withReadTimeout(1).withLogLevel("OFF");
    try (InferenceServer server = InferenceServer.start(List.of(echo), options)) {
      for (String partial : List.of(
          "POST /v2/models/echo/infer HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n{\"inputs\": [",
          "POST /v2/models/echo/infer HTTP/1.1\r\nHost: loc")) {
        try (Socket s = new Socket(server.uri().getHost(), server.port())) {
          s.setSoTimeout(120_000); // a bound for the test only; the server closes after about 1 s
          OutputStream out = s.getOutputStream();
          out.write(partial.getBytes(StandardCharsets.US_ASCII));
          out.flush();
          InputStream in = s.getInputStream();
          // the server sends nothing and closes: end of stream (or a reset)
          int first;
          try {
            first = in.read();
          } catch (java.net.SocketException reset) {
            first = -1;
          }
          assertEquals(-1, first, "the server answered a request it had not received");
        }
      }
      ServeClient client = new ServeClient(server.uri());
      assertEquals(200, client.get("/v2/health/live").status());
      ServeClient.Response ok = client.post("/v2/models/echo/infer",
          ServeClient.inferRequest("x", new long[] {1, 1, 1, 1}, new float[] {2}), "application/json");
      assertEquals(200, ok.status(), ok.text());
    }
  }
}
