package io.nets4j.serve;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.nets4j.data.DatasetException;
import io.nets4j.data.ImageDecoder;
import io.nets4j.nn.Nets4jException;
import io.nets4j.tensor.Tensors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An HTTP inference server for {@link ServedModel}s, with dynamic batching ({@link DynamicBatcher})
 * per model. It speaks
 *
 * <ul>
 *   <li>the Open Inference Protocol (KServe v2, also spoken by Triton, Seldon and OpenVINO Model
 *       Server; https://github.com/kserve/open-inference-protocol): {@code GET /v2},
 *       {@code /v2/health/live}, {@code /v2/health/ready}, {@code GET /v2/models/NAME} (metadata),
 *       {@code /v2/models/NAME/ready}, {@code POST /v2/models/NAME/infer} with JSON tensors;
 *   <li>TorchServe's inference API: {@code POST /predictions/NAME} with the image bytes as the
 *       body, {@code GET /ping};
 *   <li>{@code GET /metrics} in the Prometheus text format ({@link ServeMetrics}).
 * </ul>
 *
 * <p>Every refusal is a 4xx (or 503 when a queue is full, with {@code Retry-After}) with a JSON
 * body {@code {"error": "..."}} that says what was wrong; nothing a client sends stops the server.
 * It is built on the JDK's own {@code com.sun.net.httpserver}: HTTP/1.1 with keep-alive, a thread
 * pool we choose, and no dependency; the time inference takes dwarfs what a faster server would
 * save.
 *
 * <p>It logs through this class's SLF4J logger: a line per request at INFO, internal errors at
 * WARN, failed responses at DEBUG, each only when at least {@link ServerOptions#logLevel}.
 */
public final class InferenceServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Logger LOG = LoggerFactory.getLogger(InferenceServer.class);
  private static final String IMAGE_NAME = "request body";
  private static final int DEFAULT_TOP_K = 5;
  /** The version every served model reports (models are not versioned here). */
  private static final String VERSION = "1";
  /** The endpoint labels of the metrics; any other path counts as "other", so clients cannot grow the label set. */
  private static final Set<String> ENDPOINTS = Set.of("infer", "ready", "v2/health/live", "v2/health/ready", "v2",
      "ping", "metrics");

  private final HttpServer http;
  private final ExecutorService threads;
  private final Map<String, ServedModel> models = new LinkedHashMap<>();
  private final Map<String, DynamicBatcher> batchers = new LinkedHashMap<>();
  private final ServeMetrics metrics = new ServeMetrics();
  private final ServerOptions options;
  private final Level threshold;
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean ready;
  private volatile boolean stopping;
  private boolean closed;

  private InferenceServer(List<ServedModel> served, ServerOptions options) {
    if (served.isEmpty()) {
      throw new IllegalArgumentException("no models to serve");
    }
    this.options = options;
    this.threshold = parseLevel(options.logLevel());
    for (ServedModel m : served) {
      if (models.putIfAbsent(m.name(), m) != null) {
        throw new IllegalArgumentException("two models are named '" + m.name() + "'");
      }
    }
    // the JDK's server reads these once; they close connections of clients that send too slowly
    String timeout = Integer.toString(options.readTimeoutSeconds());
    System.getProperties().putIfAbsent("sun.net.httpserver.maxReqTime", timeout);
    System.getProperties().putIfAbsent("sun.net.httpserver.maxRspTime", timeout);
    try {
      http = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 128);
    } catch (BindException e) {
      throw new IllegalArgumentException("cannot listen on " + options.host() + ":" + options.port()
          + ": the port is in use or the address is not this machine's (" + e.getMessage() + "); choose another --port",
          e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + options.host() + ":" + options.port() + " (" + e + ")", e);
    }
    for (ServedModel m : served) {
      batchers.put(m.name(), new DynamicBatcher(m, options, metrics));
    }
    threads = Executors.newFixedThreadPool(options.httpThreads(), r -> {
      Thread t = new Thread(r, "nets4j-http");
      t.setDaemon(true);
      return t;
    });
    http.setExecutor(threads);
    http.createContext("/", this::handle);
  }

  /** Starts serving {@code models} as {@code options} say; {@link #close} stops it. */
  public static InferenceServer start(List<ServedModel> models, ServerOptions options) {
    InferenceServer server = new InferenceServer(models, options);
    server.http.start();
    server.ready = true;
    return server;
  }

  /** The port listened on (the one chosen when the options said 0). */
  public int port() {
    return http.getAddress().getPort();
  }

  /** The samples of {@code model} waiting to be batched. */
  int queueDepth(String model) {
    return batchers.get(model).depth();
  }

  /** {@code http://host:port}. */
  public URI uri() {
    return URI.create("http://" + options.host() + ":" + port());
  }

  /**
   * Graceful shutdown: answers new requests 503, lets the requests in flight finish (waiting up to
   * {@code graceSeconds}), closes the listener and connections, then stops the batchers' workers.
   */
  public synchronized void close(int graceSeconds) {
    if (closed) {
      return;
    }
    closed = true;
    ready = false;
    stopping = true;
    // queued samples run now rather than waiting for their batches to fill
    batchers.values().forEach(DynamicBatcher::stop);
    // JDK 17's HttpServer.stop(delay) waits the whole delay even when nothing is in flight
    // (JDK-8304065), so the requests in flight are awaited here and the server stopped at once
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(graceSeconds);
    while (inFlight.get() > 0 && System.nanoTime() < deadline) {
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    http.stop(0);
    batchers.values().forEach(DynamicBatcher::close);
    threads.shutdown();
    try {
      threads.awaitTermination(graceSeconds, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** {@link #close(int)} with 30 seconds of grace. */
  @Override
  public void close() {
    close(30);
  }

  private void handle(HttpExchange ex) {
    inFlight.incrementAndGet();
    try {
      handleCounted(ex);
    } finally {
      inFlight.decrementAndGet();
    }
  }

  private void handleCounted(HttpExchange ex) {
    long start = System.nanoTime();
    String[] path = Arrays.stream(ex.getRequestURI().getPath().split("/")).filter(s -> !s.isEmpty())
        .toArray(String[]::new);
    String modelLabel = ServeMetrics.UNKNOWN;
    String endpoint = "other";
    Reply reply;
    try {
      if (stopping) {
        throw new ServeException(503, "the server is shutting down");
      }
      if (path.length >= 3 && path[0].equals("v2") && path[1].equals("models")) {
        path = withoutVersion(path);
        endpoint = path.length == 3 ? "metadata" : path.length == 4 && ENDPOINTS.contains(path[3]) ? path[3] : "other";
        ServedModel m = model(path[2]);
        modelLabel = m.name();
        reply = kserveModel(ex, m, path);
      } else if (path.length == 2 && path[0].equals("predictions")) {
        endpoint = "predictions";
        ServedModel m = model(path[1]);
        modelLabel = m.name();
        requireMethod(ex, "POST");
        reply = predict(ex, m);
      } else {
        String p = String.join("/", path);
        endpoint = ENDPOINTS.contains(p) ? p : "other";
        reply = general(ex, path);
      }
    } catch (ServeException e) {
      reply = error(e.status(), e.getMessage());
    } catch (DatasetException | IllegalArgumentException e) {
      reply = error(400, e.getMessage());
    } catch (IOException e) {
      // the client went away or was too slow; nobody is left to answer
      log(ex, 400, start, modelLabel, "client connection failed: " + e);
      metrics.request(modelLabel, endpoint, 400, seconds(start));
      ex.close();
      return;
    } catch (RuntimeException | Error e) {
      log(Level.WARNING, "internal error on " + ex.getRequestURI() + ": " + e);
      reply = error(500, "internal error: " + e);
    }
    send(ex, reply);
    metrics.request(modelLabel, endpoint, reply.status(), seconds(start));
    log(ex, reply.status(), start, modelLabel, "");
  }

  /**
   * {@code v2/models/NAME/versions/V/...} as {@code v2/models/NAME/...}: the protocol's optional
   * version segment, where every served model has the one version {@link #VERSION}.
   */
  private String[] withoutVersion(String[] path) {
    if (path.length < 5 || !path[3].equals("versions")) {
      return path;
    }
    ServedModel m = model(path[2]);
    if (!path[4].equals(VERSION)) {
      throw new ServeException(404, "unknown version '" + path[4] + "' of " + m.name() + "; it has version "
          + VERSION);
    }
    String[] out = new String[path.length - 2];
    System.arraycopy(path, 0, out, 0, 3);
    System.arraycopy(path, 5, out, 3, path.length - 5);
    return out;
  }

  private ServedModel model(String name) {
    ServedModel m = models.get(name);
    if (m == null) {
      throw new ServeException(404, "unknown model '" + name + "'; served: " + String.join(", ", models.keySet()));
    }
    return m;
  }

  private static void requireMethod(HttpExchange ex, String method) {
    if (!ex.getRequestMethod().equals(method)) {
      throw new ServeException(405, ex.getRequestMethod() + " " + ex.getRequestURI().getPath() + ": use " + method);
    }
  }

  private Reply general(HttpExchange ex, String[] path) {
    String p = String.join("/", path);
    switch (p) {
      case "v2/health/live":
        requireMethod(ex, "GET");
        return Reply.json(200, "{\"live\":true}");
      case "v2/health/ready":
        requireMethod(ex, "GET");
        return Reply.json(ready ? 200 : 503, "{\"ready\":" + ready + "}");
      case "ping":
        requireMethod(ex, "GET");
        return Reply.json(ready ? 200 : 503, "{\"status\":\"" + (ready ? "Healthy" : "Unhealthy") + "\"}");
      case "v2": {
        requireMethod(ex, "GET");
        ObjectNode n = JSON.createObjectNode().put("name", "nets4j").put("version", "0.1.0");
        n.putArray("extensions");
        return Reply.json(200, n.toString());
      }
      case "metrics":
        requireMethod(ex, "GET");
        return new Reply(200, metrics.contentType(), metrics.scrape());
      default:
        throw new ServeException(404, "no such path: " + ex.getRequestURI().getPath() + " (see /v2, /v2/models/NAME, "
            + "/v2/models/NAME/infer, /predictions/NAME, /metrics)");
    }
  }

  private Reply kserveModel(HttpExchange ex, ServedModel m, String[] path) throws IOException {
    if (path.length == 3) {
      requireMethod(ex, "GET");
      ObjectNode n = JSON.createObjectNode().put("name", m.name()).put("platform", m.platform());
      n.putArray("versions").add(VERSION);
      specs(n, "inputs", List.of(m.input()));
      specs(n, "outputs", m.outputs());
      return Reply.json(200, n.toString());
    }
    if (path.length == 4 && path[3].equals("ready")) {
      requireMethod(ex, "GET");
      return Reply.json(ready ? 200 : 503, JSON.createObjectNode().put("name", m.name()).put("ready", ready)
          .toString());
    }
    if (path.length == 4 && path[3].equals("infer")) {
      requireMethod(ex, "POST");
      return infer(m, body(ex));
    }
    throw new ServeException(404, "no such path: " + ex.getRequestURI().getPath());
  }

  private static void specs(ObjectNode parent, String field, List<TensorSpec> specs) {
    var array = parent.putArray(field);
    for (TensorSpec s : specs) {
      ObjectNode o = array.addObject().put("name", s.name()).put("datatype", s.datatype());
      var shape = o.putArray("shape");
      for (long d : s.shape()) {
        shape.add(d);
      }
    }
  }

  /** Answers a KServe v2 inference request ({@link KServeRequest}) with the model's outputs, batched. */
  private Reply infer(ServedModel m, byte[] body) {
    KServeRequest request = KServeRequest.parse(body, m);
    List<String> wanted = request.outputs();
    List<Sample> samples = request.samples();
    List<Map<String, TensorData>> results = await(batcher(m).submit(samples));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("model_name", m.name());
      g.writeStringField("model_version", VERSION);
      if (request.id() != null) {
        g.writeStringField("id", request.id());
      }
      g.writeArrayFieldStart("outputs");
      for (String o : wanted) {
        writeBatched(g, o, results);
      }
      g.writeEndArray();
      g.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Reply(200, Reply.JSON, out.toByteArray());
  }

  /** One output of every sample, stacked along a new batch dimension (the samples' shapes must agree). */
  private static void writeBatched(JsonGenerator g, String name, List<Map<String, TensorData>> results)
      throws IOException {
    TensorData first = results.get(0).get(name);
    for (Map<String, TensorData> r : results) {
      if (!Arrays.equals(r.get(name).shape(), first.shape())) {
        throw ServeException.badRequest("output '" + name + "' differs in shape between the samples ("
            + Tensors.describe(first.shape()) + ", " + Tensors.describe(r.get(name).shape())
            + "); send one sample per request");
      }
    }
    long[] single = first.shape();
    long[] shape = new long[single.length + 1];
    shape[0] = results.size();
    System.arraycopy(single, 0, shape, 1, single.length);
    g.writeStartObject();
    g.writeStringField("name", name);
    g.writeStringField("datatype", first.datatype());
    g.writeArrayFieldStart("shape");
    for (long d : shape) {
      g.writeNumber(d);
    }
    g.writeEndArray();
    g.writeArrayFieldStart("data");
    for (Map<String, TensorData> r : results) {
      TensorData t = r.get(name);
      if (t.fp32() != null) {
        for (float v : t.fp32()) {
          g.writeNumber(v);
        }
      } else {
        for (long v : t.int64()) {
          g.writeNumber(v);
        }
      }
    }
    g.writeEndArray();
    g.writeEndObject();
  }

  /** A TorchServe-style request: the image bytes as the body. */
  private Reply predict(HttpExchange ex, ServedModel m) throws IOException {
    byte[] body = body(ex);
    if (body.length == 0) {
      throw ServeException.badRequest("empty body; send the image bytes (PNG, JPEG), e.g. curl --data-binary @cat.jpg");
    }
    Sample sample = m.fromImage(ImageDecoder.decode(body, IMAGE_NAME, ImageDecoder.Orientation.AS_STORED));
    Map<String, TensorData> outputs = await(batcher(m).submit(List.of(sample))).get(0);
    String accept = ex.getRequestHeaders().getFirst("Accept");
    return m.imageReply(outputs, accept == null ? "" : accept.toLowerCase(Locale.ROOT), topK(ex));
  }

  private static int topK(HttpExchange ex) {
    String query = ex.getRequestURI().getQuery();
    if (query == null) {
      return DEFAULT_TOP_K;
    }
    for (String kv : query.split("&")) {
      if (kv.startsWith("topk=")) {
        try {
          int k = Integer.parseInt(kv.substring(5));
          if (k >= 1) {
            return k;
          }
        } catch (NumberFormatException e) {
          // answered below
        }
        throw ServeException.badRequest("topk must be a positive integer, got '" + kv.substring(5) + "'");
      }
    }
    return DEFAULT_TOP_K;
  }

  private DynamicBatcher batcher(ServedModel m) {
    return batchers.get(m.name());
  }

  /** The samples' outputs; a model's complaint about its input is a 400, anything else a 500. */
  private static List<Map<String, TensorData>> await(List<CompletableFuture<Map<String, TensorData>>> futures) {
    try {
      return futures.stream().map(CompletableFuture::join).toList();
    } catch (CompletionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof IllegalArgumentException || cause instanceof Nets4jException) {
        throw new ServeException(400, "the model refused the input: " + cause.getMessage(), cause);
      }
      throw new IllegalStateException("the model failed: " + cause, cause);
    }
  }

  /** The request body, refused with a 413 beyond the size limit, by its declared length before reading. */
  private byte[] body(HttpExchange ex) throws IOException {
    long max = options.maxBodyBytes();
    String declared = ex.getRequestHeaders().getFirst("Content-Length");
    if (declared != null) {
      long n;
      try {
        n = Long.parseLong(declared.trim());
      } catch (NumberFormatException e) {
        throw ServeException.badRequest("Content-Length is not a number: " + declared);
      }
      if (n > max) {
        throw new ServeException(413, "the body of " + n + " bytes is larger than the limit of " + max + " bytes");
      }
    }
    try (InputStream in = ex.getRequestBody()) {
      byte[] b = in.readNBytes((int) Math.min(max + 1, Integer.MAX_VALUE - 8));
      if (b.length > max) {
        throw new ServeException(413, "the body is larger than the limit of " + max + " bytes");
      }
      return b;
    }
  }

  private static Reply error(int status, String message) {
    return Reply.json(status, JSON.createObjectNode().put("error", message).toString());
  }

  private void send(HttpExchange ex, Reply reply) {
    try (ex) {
      ex.getResponseHeaders().set("Content-Type", reply.contentType());
      if (reply.status() == 503) {
        ex.getResponseHeaders().set("Retry-After", "1");
      }
      byte[] body = reply.body();
      ex.sendResponseHeaders(reply.status(), body.length == 0 ? -1 : body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    } catch (IOException e) {
      log(Level.FINE, "could not send the response to " + ex.getRemoteAddress() + " (" + e + ")");
    }
  }

  private static double seconds(long start) {
    return (System.nanoTime() - start) / 1e9;
  }

  /** The request's line, at INFO (the level asked for decides whether it shows). */
  private void log(HttpExchange ex, int status, long start, String model, String note) {
    log(Level.INFO, String.format(Locale.ROOT, "%s %s %d %.1fms model=%s client=%s%s", ex.getRequestMethod(),
        ex.getRequestURI(), status, (System.nanoTime() - start) / 1e6, model, ex.getRemoteAddress(),
        note.isEmpty() ? "" : " " + note));
  }

  /**
   * One line to the logger if {@code level} is at least this server's level (the binding's own
   * configuration filters too). The requests finished during a graceful stop are logged from the
   * shutdown hook, so a binding that stops at JVM shutdown (java.util.logging's LogManager closes its
   * handlers) loses them; slf4j-simple, the command line's, writes each line at once.
   */
  private void log(Level level, String message) {
    if (!threshold.equals(Level.OFF) && level.intValue() >= threshold.intValue()) {
      LOG.atLevel(slf4jLevel(level)).log(message);
    }
  }

  /** java.util.logging's levels, which {@code --log-level} takes, as SLF4J's. */
  private static org.slf4j.event.Level slf4jLevel(Level level) {
    int v = level.intValue();
    return v >= Level.SEVERE.intValue() ? org.slf4j.event.Level.ERROR
        : v >= Level.WARNING.intValue() ? org.slf4j.event.Level.WARN
        : v >= Level.INFO.intValue() ? org.slf4j.event.Level.INFO
        : v >= Level.FINE.intValue() ? org.slf4j.event.Level.DEBUG : org.slf4j.event.Level.TRACE;
  }

  private static Level parseLevel(String name) {
    try {
      return Level.parse(name.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("unknown log level '" + name + "' (SEVERE, WARNING, INFO, FINE, OFF)");
    }
  }
}
