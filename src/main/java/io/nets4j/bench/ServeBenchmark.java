package io.nets4j.bench;

import io.nets4j.data.ImageDecoder;
import io.nets4j.inference.ImageClassifierPipeline;
import io.nets4j.serve.ClassifierModel;
import io.nets4j.serve.InferenceServer;
import io.nets4j.serve.ServerOptions;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The cost and benefit of serving: one image classified over and over, (1) in-process at batch 1
 * (decode, preprocess, forward, top-k, one image after the other), (2) through {@link
 * InferenceServer} on loopback by {@code clients} concurrent clients without batching ({@code
 * --max-batch 1}), and (3) the same with dynamic batching. Each reports throughput and the p50/p99
 * latency of a request (for the server: from sending the request to the last byte of its answer).
 *
 * @param clients concurrent HTTP clients
 * @param requests requests per client (and the in-process images: clients x requests)
 * @param maxBatch the batching run's largest batch
 * @param maxDelayMs the batching run's delay
 */
public record ServeBenchmark(int clients, int requests, int maxBatch, int maxDelayMs) {
  /**
   * One way of running the requests.
   *
   * @param name what ran
   * @param requests requests answered
   * @param seconds wall time of all of them
   * @param p50Ms median latency of one request
   * @param p99Ms 99th-percentile latency (nearest rank)
   */
  public record Row(String name, int requests, double seconds, double p50Ms, double p99Ms) {
    public double throughput() {
      return requests / seconds;
    }
  }

  public ServeBenchmark {
    if (clients < 1 || requests < 1 || maxBatch < 1 || maxDelayMs < 0) {
      throw new IllegalArgumentException("clients, requests and the batch must be positive, the delay >= 0; got "
          + clients + ", " + requests + ", " + maxBatch + ", " + maxDelayMs);
    }
  }

  /** The three rows for {@code image} (PNG or JPEG bytes), after a few untimed requests each. */
  public List<Row> run(ImageClassifierPipeline pipeline, byte[] image) {
    List<Row> rows = new ArrayList<>();
    rows.add(inProcess(pipeline, image));
    rows.add(served(pipeline, image, "server, no batching (max batch 1)", 1, 0));
    rows.add(served(pipeline, image, "server, dynamic batching (max batch " + maxBatch + ", " + maxDelayMs + " ms)",
        maxBatch, maxDelayMs));
    return rows;
  }

  private Row inProcess(ImageClassifierPipeline pipeline, byte[] image) {
    Runnable one = () -> {
      float[] input = pipeline.preprocess(ImageDecoder.decode(image, "image", ImageDecoder.Orientation.AS_STORED));
      pipeline.top(pipeline.logits(new float[][] {input})[0], 5);
    };
    for (int i = 0; i < 3; i++) {
      one.run();
    }
    int n = clients * requests;
    double[] ms = new double[n];
    long start = System.nanoTime();
    for (int i = 0; i < n; i++) {
      long t = System.nanoTime();
      one.run();
      ms[i] = (System.nanoTime() - t) / 1e6;
    }
    return row("in-process, batch 1, one after the other", ms, (System.nanoTime() - start) / 1e9);
  }

  private Row served(ImageClassifierPipeline pipeline, byte[] image, String name, int batch, int delayMs) {
    ServerOptions options = ServerOptions.defaults().withPort(0)
        .withBatching(batch, delayMs, 1, Math.max(64, 2 * clients)).withLogLevel("OFF");
    try (InferenceServer server = InferenceServer.start(List.of(new ClassifierModel("bench", pipeline)), options)) {
      URI uri = server.uri().resolve("/predictions/bench");
      HttpClient http = HttpClient.newHttpClient();
      HttpRequest request = HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofByteArray(image)).build();
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      try {
        for (int i = 0; i < 3; i++) {
          send(http, request);
        }
        long start = System.nanoTime();
        List<Future<double[]>> perClient = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
          perClient.add(pool.submit(() -> {
            double[] ms = new double[requests];
            for (int i = 0; i < requests; i++) {
              long t = System.nanoTime();
              send(http, request);
              ms[i] = (System.nanoTime() - t) / 1e6;
            }
            return ms;
          }));
        }
        double[] all = new double[clients * requests];
        for (int c = 0; c < clients; c++) {
          System.arraycopy(perClient.get(c).get(), 0, all, c * requests, requests);
        }
        return row(name, all, (System.nanoTime() - start) / 1e9);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted", e);
      } catch (IOException e) {
        throw new IllegalStateException("a warm-up request failed: " + e.getMessage(), e);
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException("a client failed: " + e.getCause().getMessage(), e.getCause());
      } finally {
        pool.shutdownNow();
      }
    }
  }

  private static void send(HttpClient http, HttpRequest request) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("status " + r.statusCode() + ": " + r.body());
    }
  }

  private static Row row(String name, double[] ms, double seconds) {
    double[] sorted = ms.clone();
    Arrays.sort(sorted);
    return new Row(name, ms.length, seconds, nearestRank(sorted, 0.50), nearestRank(sorted, 0.99));
  }

  static double nearestRank(double[] sorted, double q) {
    int rank = (int) Math.ceil(q * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length, rank) - 1)];
  }

  /** A markdown table of the rows. */
  public static String markdown(List<Row> rows) {
    StringBuilder out = new StringBuilder("| run | requests | images/s | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|\n");
    for (Row r : rows) {
      out.append(String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f |%n", r.name(), r.requests(),
          r.throughput(), r.p50Ms(), r.p99Ms()));
    }
    return out.toString();
  }

  /** Reads {@code file} for {@link #run}. */
  public static byte[] read(Path file) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + " (" + e + ")", e);
    }
  }
}
