package io.nets4j.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.data.RgbImage;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link DynamicBatcher} with a model that echoes its input: requests within the delay run as one
 * batch of at most {@code maxBatch}, each gets its own outputs back, and a full queue refuses with 503.
 */
class DynamicBatcherTest {
  /** Echoes each sample as output {@code y}, records the batch sizes, and can be held at a latch. */
  static final class Echo implements ServedModel {
    final List<Integer> batches = new CopyOnWriteArrayList<>();
    final CountDownLatch release;
    final CountDownLatch entered = new CountDownLatch(1);

    Echo(CountDownLatch release) {
      this.release = release;
    }

    @Override
    public String name() {
      return "echo";
    }

    @Override
    public String platform() {
      return "test";
    }

    @Override
    public TensorSpec input() {
      return new TensorSpec("x", TensorData.FP32, new long[] {-1, 1, 1, 1});
    }

    @Override
    public List<TensorSpec> outputs() {
      return List.of(new TensorSpec("y", TensorData.FP32, new long[] {-1, 1}));
    }

    @Override
    public Sample fromImage(RgbImage image) {
      return new Sample(new float[] {image.width()}, new long[] {1, 1, 1});
    }

    @Override
    public List<Map<String, TensorData>> run(List<Sample> batch) {
      entered.countDown();
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      batches.add(batch.size());
      return batch.stream().map(s -> Map.of("y", TensorData.fp32("y", new long[] {1}, s.data()))).toList();
    }

    @Override
    public Reply imageReply(Map<String, TensorData> outputs, String accept, int topK) {
      return Reply.json(200, "{}");
    }
  }

  static Sample sample(float v) {
    return new Sample(new float[] {v}, new long[] {1, 1, 1});
  }

  @Test
  void requestsWithinTheDelayRunAsOneBatchAndGetTheirOwnOutputs() {
    Echo echo = new Echo(new CountDownLatch(0));
    // a long delay: the batch is closed by reaching maxBatch, not by the clock
    ServerOptions options = ServerOptions.defaults().withBatching(4, 60_000, 1, 64);
    try (DynamicBatcher batcher = new DynamicBatcher(echo, options, new ServeMetrics())) {
      List<CompletableFuture<Map<String, TensorData>>> futures = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        futures.addAll(batcher.submit(List.of(sample(i))));
      }
      for (int i = 0; i < 8; i++) {
        assertEquals(i, futures.get(i).join().get("y").fp32()[0]);
      }
      assertEquals(List.of(4, 4), echo.batches);
    }
  }

  @Test
  void aRequestAloneRunsWhenTheDelayHasPassed() {
    Echo echo = new Echo(new CountDownLatch(0));
    try (DynamicBatcher batcher = new DynamicBatcher(echo, ServerOptions.defaults().withBatching(8, 1, 1, 64),
        new ServeMetrics())) {
      assertEquals(7f, batcher.submit(List.of(sample(7))).get(0).join().get("y").fp32()[0]);
      assertEquals(List.of(1), echo.batches);
    }
  }

  @Test
  void aFullQueueRefusesAtOnce() throws Exception {
    Echo echo = new Echo(new CountDownLatch(1));
    try (DynamicBatcher batcher = new DynamicBatcher(echo, ServerOptions.defaults().withBatching(1, 0, 1, 2),
        new ServeMetrics())) {
      // one sample held by the worker, two waiting: the queue of 2 is full
      List<CompletableFuture<Map<String, TensorData>>> held = new ArrayList<>(batcher.submit(List.of(sample(1))));
      assertTrue(echo.entered.await(60, TimeUnit.SECONDS));
      held.addAll(batcher.submit(List.of(sample(2), sample(3))));
      ServeException full = assertThrows(ServeException.class, () -> batcher.submit(List.of(sample(4))));
      assertEquals(503, full.status());
      assertTrue(full.getMessage().contains("queue of echo is full"), full.getMessage());
      echo.release.countDown();
      for (int i = 0; i < 3; i++) {
        assertEquals(i + 1, held.get(i).join().get("y").fp32()[0]);
      }
    }
  }

  @Test
  void theServerAnswers503WithRetryAfterWhenTheQueueIsFull() throws Exception {
    Echo echo = new Echo(new CountDownLatch(1));
    ServerOptions options = ServerOptions.defaults().withPort(0).withBatching(1, 0, 1, 2).withLogLevel("OFF");
    try (InferenceServer server = InferenceServer.start(List.of(echo), options)) {
      URI infer = server.uri().resolve("/v2/models/echo/infer");
      HttpClient http = HttpClient.newHttpClient();
      HttpRequest request = HttpRequest.newBuilder(infer).POST(HttpRequest.BodyPublishers.ofByteArray(
          ServeClient.inferRequest("x", new long[] {1, 1, 1, 1}, new float[] {5}))).build();
      List<CompletableFuture<HttpResponse<String>>> accepted = new ArrayList<>();
      accepted.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
      assertTrue(echo.entered.await(60, TimeUnit.SECONDS));
      accepted.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
      accepted.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
      while (server.queueDepth("echo") < 2) {
        Thread.sleep(5); // waits for the two requests to be queued
      }
      HttpResponse<String> refused = http.send(request, HttpResponse.BodyHandlers.ofString());
      assertEquals(503, refused.statusCode(), refused.body());
      assertEquals("1", refused.headers().firstValue("Retry-After").orElse(""));
      assertTrue(refused.body().contains("is full"), refused.body());
      echo.release.countDown();
      for (CompletableFuture<HttpResponse<String>> f : accepted) {
        assertEquals(200, f.get().statusCode());
      }
      assertEquals(List.of(1, 1, 1), echo.batches);
    }
  }
}
