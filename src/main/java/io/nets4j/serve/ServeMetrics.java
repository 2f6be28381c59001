package io.nets4j.serve;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The server's metrics, exposed at {@code /metrics} in the Prometheus text format (version 0.0.4)
 * through the Prometheus Java client: requests by model, endpoint and status code, errors by
 * model and code, queue depth, batch sizes and request latency per model.
 */
final class ServeMetrics {
  /** The label of requests for models that are not served (so unknown names do not grow the label set). */
  static final String UNKNOWN = "_unknown";

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = new PrometheusTextFormatWriter(false);
  private final Counter requests = Counter.builder().name("nets4j_requests_total")
      .help("requests by model, endpoint and HTTP status code").labelNames("model", "endpoint", "code")
      .register(registry);
  private final Counter errors = Counter.builder().name("nets4j_request_errors_total")
      .help("requests answered with a 4xx or 5xx status, by model and code").labelNames("model", "code")
      .register(registry);
  private final Gauge queueDepth = Gauge.builder().name("nets4j_queue_depth")
      .help("samples waiting to be batched").labelNames("model").register(registry);
  private final Histogram batchSize = Histogram.builder().name("nets4j_batch_size")
      .help("samples per forward pass").labelNames("model").classicOnly()
      .classicUpperBounds(1, 2, 4, 8, 16, 32, 64, 128).register(registry);
  private final Histogram latency = Histogram.builder().name("nets4j_request_duration_seconds")
      .help("time from a request's arrival to its response").labelNames("model").classicOnly()
      .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10).register(registry);

  void request(String model, String endpoint, int code, double seconds) {
    requests.labelValues(model, endpoint, Integer.toString(code)).inc();
    if (code >= 400) {
      errors.labelValues(model, Integer.toString(code)).inc();
    }
    if (!model.equals(UNKNOWN)) {
      latency.labelValues(model).observe(seconds);
    }
  }

  void queueDepth(String model, int depth) {
    queueDepth.labelValues(model).set(depth);
  }

  void batch(String model, int size) {
    batchSize.labelValues(model).observe(size);
  }

  String contentType() {
    return writer.getContentType();
  }

  byte[] scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      writer.write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }
}
