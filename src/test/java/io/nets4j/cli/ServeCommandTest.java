package io.nets4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nets4j.detection.Detector;
import io.nets4j.detection.Detectors;
import io.nets4j.inference.PretrainedPredictionTest;
import io.nets4j.models.Weights;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code nets4j serve} as a process: it serves the models of a serve.json, and SIGTERM stops it
 * with exit code 0 after the request in flight has been answered; a port in use is refused.
 */
class ServeCommandTest {
  static final Path WEIGHTS = PretrainedPredictionTest.WEIGHTS;
  static final String STATE = WEIGHTS.resolve("mobilenet_v3_small.state.safetensors").toString();
  static final Pattern LISTENING = Pattern.compile("listening on (http://127\\.0\\.0\\.1:\\d+)");

  @TempDir
  Path tmp;

  @Test
  void sigtermFinishesTheRequestInFlightAndExitsZero() throws Exception {
    Path detector = tmp.resolve("det.safetensors");
    Detector d = Detectors.create("yolo_v1", 2, 64);
    Detectors.save(d, "yolo_v1", 64, List.of("circle", "square"), detector);
    Path config = tmp.resolve("serve.json");
    Files.writeString(config, "{\"models\": [{\"name\": \"mnv3\", \"model\": \"mobilenet_v3_small\", \"weights\": \""
        + STATE + "\", \"weights_config\": \"IMAGENET1K_V1\"}, {\"name\": \"det\", \"model\": \"yolo_v1\", "
        + "\"weights\": \"" + detector + "\"}]}");
    // a long batching delay keeps the request queued until the server is told to stop
    Process p = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xss4m", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve",
        "--config", config.toString(), "--port", "0", "--max-delay-ms", "600000", "--log-level", "INFO"))
        .redirectError(tmp.resolve("stderr.txt").toFile()).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
      List<String> lines = new ArrayList<>();
      URI base = null;
      for (String line; base == null && (line = out.readLine()) != null;) {
        lines.add(line);
        Matcher m = LISTENING.matcher(line);
        if (m.find()) {
          base = URI.create(m.group(1));
        }
      }
      assertTrue(base != null, "no 'listening on' line in " + lines + "; stderr: " + stderr());
      assertTrue(String.join("\n", lines).contains("serving det (nets4j_detection"), String.join("\n", lines));
      HttpClient http = HttpClient.newHttpClient();
      JsonNode meta = new ObjectMapper().readTree(http.send(HttpRequest.newBuilder(base.resolve("/v2/models/det"))
          .build(), HttpResponse.BodyHandlers.ofString()).body());
      assertEquals("nets4j_detection", meta.get("platform").asText());

      CompletableFuture<HttpResponse<String>> inFlight = http.sendAsync(
          HttpRequest.newBuilder(base.resolve("/predictions/mnv3?topk=1"))
              .POST(HttpRequest.BodyPublishers.ofFile(WEIGHTS.resolve("astronaut.png"))).build(),
          HttpResponse.BodyHandlers.ofString());
      while (!http.send(HttpRequest.newBuilder(base.resolve("/metrics")).build(), HttpResponse.BodyHandlers.ofString())
          .body().contains("nets4j_queue_depth{model=\"mnv3\"} 1.0")) {
        assertTrue(p.isAlive(), "the server died: " + stderr());
        Thread.sleep(20); // waits for the request to be queued
      }
      p.destroy(); // SIGTERM
      assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the server did not stop");
      assertEquals(0, p.exitValue(), stderr());
      HttpResponse<String> answer = inFlight.get(60, TimeUnit.SECONDS);
      assertEquals(200, answer.statusCode(), answer.body());
      int top = PretrainedPredictionTest.top5(PretrainedPredictionTest.referenceLogits())[0];
      assertTrue(answer.body().startsWith("{\"" + Weights.imagenetCategories().get(top) + "\":"), answer.body());
      String err = stderr();
      assertTrue(err.contains("POST /predictions/mnv3?topk=1 200"), err);
      assertTrue(err.contains("serve: stopped"), err);
    } finally {
      p.destroyForcibly();
    }
  }

  @Test
  void aPortInUseIsRefusedWithAClearMessage() throws IOException {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CliTest.Run r = CliTest.run("serve", "--model", "mobilenet_v3_small", "--weights", STATE, "--weights-config",
          "IMAGENET1K_V1", "--port", Integer.toString(busy.getLocalPort()));
      assertEquals(1, r.exit());
      assertTrue(r.err().contains("cannot listen on 127.0.0.1:" + busy.getLocalPort()), r.err());
      assertTrue(r.err().contains("choose another --port"), r.err());
    }
  }

  @Test
  void withoutAModelItSaysWhatToGive() {
    CliTest.Run r = CliTest.run("serve", "--port", "0");
    assertEquals(1, r.exit());
    assertTrue(r.err().contains("give --run, --model and --weights, or --config serve.json"), r.err());
  }

  private String stderr() throws IOException {
    Path f = tmp.resolve("stderr.txt");
    return Files.exists(f) ? Files.readString(f) : "";
  }
}
