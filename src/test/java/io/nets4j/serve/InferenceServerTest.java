package io.nets4j.serve;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.nets4j.data.ImageDecoder;
import io.nets4j.inference.ImageClassifierPipeline;
import io.nets4j.inference.PretrainedPredictionTest;
import io.nets4j.io.LoadMode;
import io.nets4j.io.StateDicts;
import io.nets4j.models.ImageClassifier;
import io.nets4j.models.Models;
import io.nets4j.models.Weights;
import io.nets4j.serve.ServeClient.Response;
import io.nets4j.tensor.NativeMemory;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link InferenceServer} serving the weights fixture's mobilenet_v3_small on loopback: the image
 * request gives the model's top class, the KServe request its logits, garbage a 4xx with the
 * server still answering, 32 concurrent clients all their right answers, and native memory stays
 * flat over many requests.
 */
class InferenceServerTest {
  static final Path WEIGHTS = PretrainedPredictionTest.WEIGHTS;
  static final String NAME = "mnv3";
  /** Native heap growth allowed over the long run (allocator slack, JIT, thread stacks of libtorch's pool). */
  static final long ALLOWED_HEAP_GROWTH = 8L << 20;

  static ImageClassifierPipeline pipeline;
  static InferenceServer server;
  static ServeClient client;
  static byte[] astronaut;

  @BeforeAll
  static void start() throws IOException {
    ImageClassifier model = Models.create("mobilenet_v3_small");
    StateDicts.load(model, WEIGHTS.resolve("mobilenet_v3_small.state.safetensors"), LoadMode.STRICT);
    pipeline = ImageClassifierPipeline.of(model, Weights.of("mobilenet_v3_small", "IMAGENET1K_V1"));
    server = InferenceServer.start(List.of(new ClassifierModel(NAME, pipeline)),
        ServerOptions.defaults().withPort(0).withBatching(8, 5, 1, 64).withMaxBodyBytes(4L << 20)
            .withLogLevel("OFF"));
    client = new ServeClient(server.uri());
    astronaut = Files.readAllBytes(WEIGHTS.resolve("astronaut.png"));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close(5);
    }
  }

  static String expectedTopClass() {
    int top = PretrainedPredictionTest.top5(PretrainedPredictionTest.referenceLogits())[0];
    return Weights.imagenetCategories().get(top);
  }

  @Test
  void anImageRequestGivesTheModelsTopClassesWithProbabilities() {
    Response r = client.post("/predictions/" + NAME + "?topk=3", astronaut, "image/png");
    assertEquals(200, r.status(), r.text());
    JsonNode top = r.json();
    assertEquals(3, top.size());
    Iterator<String> names = top.fieldNames();
    String first = names.next();
    assertEquals(expectedTopClass(), first);
    // the same probabilities as the pipeline in-process, most probable first
    var inProcess = pipeline.predict(List.of(WEIGHTS.resolve("astronaut.png")), 3, 1).get(0).top();
    assertEquals(inProcess.get(0).name(), first);
    assertEquals(inProcess.get(0).probability(), top.get(first).asDouble(), 1e-5);
    assertTrue(top.get(first).asDouble() >= top.get(names.next()).asDouble());
  }

  @Test
  void aKServeRequestGivesTheModelsLogits() {
    float[] input = pipeline.preprocess(ImageDecoder.read(WEIGHTS.resolve("astronaut.png")));
    float[] expected = pipeline.logits(new float[][] {input})[0];
    Response r = client.post("/v2/models/" + NAME + "/infer",
        ServeClient.inferRequest("input", new long[] {1, 3, 224, 224}, input), "application/json");
    assertEquals(200, r.status(), r.text());
    JsonNode out = r.json();
    assertEquals(NAME, out.get("model_name").asText());
    JsonNode logits = out.get("outputs").get(0);
    assertEquals("logits", logits.get("name").asText());
    assertEquals("FP32", logits.get("datatype").asText());
    assertEquals("[1,1000]", logits.get("shape").toString());
    float[] served = ServeClient.floats(logits.get("data"));
    assertArrayEquals(expected, served, 1e-4f);
    PretrainedPredictionTest.assertMatchesReference(served);
  }

  @Test
  void aKServeBatchOfTwoGivesTwoRowsOfLogits() {
    float[] input = pipeline.preprocess(ImageDecoder.read(WEIGHTS.resolve("astronaut.png")));
    float[] camera = pipeline.preprocess(ImageDecoder.read(WEIGHTS.resolve("camera.png")));
    float[] both = new float[2 * input.length];
    System.arraycopy(input, 0, both, 0, input.length);
    System.arraycopy(camera, 0, both, input.length, camera.length);
    float[][] expected = pipeline.logits(new float[][] {input, camera});
    Response r = client.post("/v2/models/" + NAME + "/infer",
        ServeClient.inferRequest("input", new long[] {2, 3, 224, 224}, both), "application/json");
    assertEquals(200, r.status(), r.text());
    JsonNode logits = r.json().get("outputs").get(0);
    assertEquals("[2,1000]", logits.get("shape").toString());
    float[] served = ServeClient.floats(logits.get("data"));
    float[] flat = new float[2000];
    System.arraycopy(expected[0], 0, flat, 0, 1000);
    System.arraycopy(expected[1], 0, flat, 1000, 1000);
    assertArrayEquals(flat, served, 1e-4f);
  }

  @Test
  void healthAndMetadataFollowTheOpenInferenceProtocol() {
    assertEquals("{\"live\":true}", client.get("/v2/health/live").text());
    assertEquals("{\"ready\":true}", client.get("/v2/health/ready").text());
    JsonNode meta = client.get("/v2/models/" + NAME).json();
    assertEquals(NAME, meta.get("name").asText());
    assertEquals("input", meta.get("inputs").get(0).get("name").asText());
    assertEquals("FP32", meta.get("inputs").get(0).get("datatype").asText());
    assertEquals("[-1,3,224,224]", meta.get("inputs").get(0).get("shape").toString());
    assertEquals("[-1,1000]", meta.get("outputs").get(0).get("shape").toString());
    assertEquals(200, client.get("/v2/models/" + NAME + "/ready").status());
    // the optional version segment: every model has version 1
    assertEquals(meta, client.get("/v2/models/" + NAME + "/versions/1").json());
    assertEquals(200, client.get("/v2/models/" + NAME + "/versions/1/ready").status());
    assertError(client.get("/v2/models/" + NAME + "/versions/2"), 404, "unknown version '2'");
  }

  @Test
  void garbageGetsA4xxWithAJsonErrorAndTheServerKeepsAnswering() throws IOException {
    String infer = "/v2/models/" + NAME + "/infer";
    assertError(client.post(infer, "{\"inputs\": [".getBytes(StandardCharsets.UTF_8), "application/json"), 400,
        "malformed JSON");
    assertError(client.post(infer, ServeClient.inferRequest("input", new long[] {1, 3, 32, 32}, new float[3 * 32 * 32]),
        "application/json"), 400, "[-1, 3, 224, 224]");
    assertError(client.post(infer, ServeClient.inferRequest("input", new long[] {1, 3, 224, 224},
        new float[150527]), "application/json"), 400, "has 150527 values in \"data\"; its shape [1, 3, 224, 224] needs 150528");
    // a shape claiming far more values than the body holds is refused before anything is allocated
    assertError(client.post(infer, ServeClient.inferRequest("input", new long[] {1_000_000_000, 3, 224, 224},
        new float[1]), "application/json"), 400, "cannot hold them");
    assertError(client.post(infer, ServeClient.inferRequest("pixels", new long[] {1, 3, 224, 224}, new float[0]),
        "application/json"), 400, "unknown input 'pixels'");
    String int8 = new String(ServeClient.inferRequest("input", new long[] {1, 1}, new float[] {1}),
        StandardCharsets.UTF_8).replace("FP32", "INT8");
    assertError(client.post(infer, int8.getBytes(StandardCharsets.UTF_8), "application/json"), 400, "INT8");
    assertError(client.post("/predictions/" + NAME, "not an image".getBytes(StandardCharsets.UTF_8), "image/png"), 400,
        "request body");
    byte[] truncated = java.util.Arrays.copyOf(astronaut, astronaut.length / 3);
    assertError(client.post("/predictions/" + NAME, truncated, "image/png"), 400, "request body");
    assertError(client.post("/predictions/" + NAME, bombPng(100_000, 100_000), "image/png"), 400, "larger than the limit");
    assertError(client.post("/predictions/" + NAME, new byte[0], "image/png"), 400, "empty body");
    assertError(client.post("/predictions/" + NAME + "?topk=x", astronaut, "image/png"), 400, "topk");
    assertError(client.post("/predictions/resnet999", astronaut, "image/png"), 404, "unknown model 'resnet999'");
    assertError(client.get("/v2/models/resnet999"), 404, "unknown model");
    assertError(client.get("/nowhere"), 404, "no such path");
    assertError(client.get("/predictions/" + NAME), 405, "use POST");
    // a body declared over the limit is refused before it is read
    String head = "POST " + infer + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        + "Content-Length: 100000000\r\n\r\n";
    String answer = ServeClient.raw(server.uri(), head);
    assertTrue(answer.startsWith("HTTP/1.1 413"), answer);
    assertTrue(answer.contains("larger than the limit of 4194304 bytes"), answer);

    assertEquals(200, client.get("/v2/health/live").status());
    Response ok = client.post("/predictions/" + NAME, astronaut, "image/png");
    assertEquals(200, ok.status(), ok.text());
    assertEquals(expectedTopClass(), ok.json().fieldNames().next());
  }

  @Test
  void thirtyTwoConcurrentClientsAreAllAnsweredCorrectly() throws Exception {
    String expected = expectedTopClass();
    byte[] camera = Files.readAllBytes(WEIGHTS.resolve("camera.png"));
    String cameraTop = pipeline.predict(List.of(WEIGHTS.resolve("camera.png")), 1, 1).get(0).top().get(0).name();
    ExecutorService pool = Executors.newFixedThreadPool(32);
    try {
      List<Future<String>> answers = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        boolean even = i % 2 == 0;
        answers.add(pool.submit(() -> {
          StringBuilder got = new StringBuilder();
          for (int j = 0; j < 2; j++) {
            Response r = client.post("/predictions/" + NAME + "?topk=1", even ? astronaut : camera, "image/png");
            if (r.status() != 200) {
              return "status " + r.status() + ": " + r.text();
            }
            got.append(r.json().fieldNames().next()).append('|');
          }
          return got.toString();
        }));
      }
      for (int i = 0; i < 32; i++) {
        String want = (i % 2 == 0 ? expected : cameraTop) + "|";
        assertEquals(want.repeat(2), answers.get(i).get(), "client " + i);
      }
    } finally {
      pool.shutdownNow();
    }
    String metrics = client.get("/metrics").text();
    assertTrue(metrics.contains("nets4j_requests_total{code=\"200\",endpoint=\"predictions\",model=\"" + NAME + "\"}"),
        metrics);
  }

  @Test
  void metricsArePrometheusText() {
    client.post("/predictions/" + NAME, astronaut, "image/png");
    client.post("/predictions/" + NAME, new byte[] {1, 2, 3}, "image/png");
    Response r = client.get("/metrics");
    assertEquals(200, r.status());
    assertTrue(r.contentType().startsWith("text/plain; version=0.0.4"), r.contentType());
    String text = r.text();
    for (String family : List.of("nets4j_requests_total", "nets4j_request_errors_total", "nets4j_queue_depth",
        "nets4j_batch_size", "nets4j_request_duration_seconds")) {
      assertTrue(text.contains("# TYPE " + family.replace("_total", "")), family + " in\n" + text);
    }
    assertTrue(text.contains("nets4j_request_errors_total{code=\"400\",model=\"" + NAME + "\"}"), text);
    assertTrue(text.contains("nets4j_batch_size_bucket{model=\"" + NAME + "\",le=\"1.0\"}"), text);
    // made-up paths and model names share one label each
    client.get("/made/up/path");
    client.get("/v2/models/made-up");
    text = client.get("/metrics").text();
    assertTrue(text.contains("nets4j_requests_total{code=\"404\",endpoint=\"other\",model=\"_unknown\"}"), text);
    assertTrue(text.contains("nets4j_requests_total{code=\"404\",endpoint=\"metadata\",model=\"_unknown\"}"), text);
    assertTrue(!text.contains("made"), text);
    assertTrue(text.contains("nets4j_request_duration_seconds_count{model=\"" + NAME + "\"}"), text);
  }

  @Test
  void nativeMemoryStaysFlatOverManyRequests() {
    float[] input = pipeline.preprocess(ImageDecoder.read(WEIGHTS.resolve("astronaut.png")));
    byte[] kserve = ServeClient.inferRequest("input", new long[] {1, 3, 224, 224}, input);
    Runnable round = () -> {
      assertEquals(200, client.post("/predictions/" + NAME, astronaut, "image/png").status());
      assertEquals(200, client.post("/v2/models/" + NAME + "/infer", kserve, "application/json").status());
      assertEquals(400, client.post("/predictions/" + NAME, new byte[] {9, 9}, "image/png").status());
    };
    for (int i = 0; i < 10; i++) {
      round.run();
    }
    NativeMemory.settle();
    long baseline = NativeMemory.mallocInUseBytes();
    for (int i = 0; i < 40; i++) {
      round.run();
    }
    NativeMemory.settle();
    long end = NativeMemory.mallocInUseBytes();
    if (baseline < 0) {
      return; // no malloc statistics on this platform
    }
    long growth = end - baseline;
    System.out.printf("native heap over 120 requests: %+.1f KiB%n", growth / 1024.0);
    assertTrue(growth < ALLOWED_HEAP_GROWTH, "native heap grew by " + growth / 1024 + " KiB");
  }

  static void assertError(Response r, int status, String says) {
    assertEquals(status, r.status(), r.text());
    assertTrue(r.contentType().startsWith("application/json"), r.contentType());
    String error = r.json().get("error").asText();
    assertTrue(error.contains(says), error);
  }

  /** A PNG whose header claims {@code w x h} pixels, with a few bytes of image data. */
  static byte[] bombPng(int w, int h) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
    ByteArrayOutputStream ihdr = new ByteArrayOutputStream();
    DataOutputStream d = new DataOutputStream(ihdr);
    d.writeInt(w);
    d.writeInt(h);
    d.write(new byte[] {8, 2, 0, 0, 0});
    chunk(out, "IHDR", ihdr.toByteArray());
    chunk(out, "IDAT", new byte[] {0x78, (byte) 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01});
    chunk(out, "IEND", new byte[0]);
    return bytes.toByteArray();
  }

  private static void chunk(DataOutputStream out, String type, byte[] data) throws IOException {
    out.writeInt(data.length);
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    out.write(t);
    out.write(data);
    CRC32 crc = new CRC32();
    crc.update(t);
    crc.update(data);
    out.writeInt((int) crc.getValue());
  }
}
