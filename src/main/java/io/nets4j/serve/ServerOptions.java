package io.nets4j.serve;

/**
 * How the server listens, batches and bounds its work.
 *
 * @param host the address to bind (127.0.0.1 by default: nothing outside the machine reaches it)
 * @param port the port, 0 for any free one
 * @param maxBatch the most samples run as one forward pass
 * @param maxDelayMs how long the first request of a batch waits for others to join it
 * @param workers the batches of one model run at once (threads calling the model)
 * @param queue the samples of one model waiting to be batched; beyond it requests get 503
 * @param maxBodyBytes the largest request body; beyond it requests get 413
 * @param httpThreads the threads reading requests and writing responses (each waits for its batch)
 * @param readTimeoutSeconds the longest a client may take to send a request (headers and body)
 *     before its connection is closed; it applies from the first server of a JVM on (the JDK's
 *     server reads it once)
 * @param logLevel the least level the server logs (java.util.logging's names, through SLF4J): the line per
 *     request is at {@code INFO}, so {@code INFO} shows it and {@code WARNING} or {@code OFF} hide it;
 *     internal errors are at {@code WARNING}
 */
public record ServerOptions(String host, int port, int maxBatch, int maxDelayMs, int workers, int queue,
    long maxBodyBytes, int httpThreads, int readTimeoutSeconds, String logLevel) {
  public ServerOptions {
    positive("max batch", maxBatch);
    positive("workers", workers);
    positive("queue", queue);
    positive("HTTP threads", httpThreads);
    positive("read timeout", readTimeoutSeconds);
    if (maxDelayMs < 0) {
      throw new IllegalArgumentException("the batching delay must be >= 0 ms, got " + maxDelayMs);
    }
    if (maxBodyBytes < 1) {
      throw new IllegalArgumentException("the body size limit must be positive, got " + maxBodyBytes);
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("the port must be 0..65535, got " + port);
    }
  }

  /** Loopback, port 8080, batches of up to 8 within 5 ms, one worker, a queue of 64, bodies up to 16 MiB. */
  public static ServerOptions defaults() {
    return new ServerOptions("127.0.0.1", 8080, 8, 5, 1, 64, 16L << 20, 64, 30, "INFO");
  }

  public ServerOptions withPort(int p) {
    return new ServerOptions(host, p, maxBatch, maxDelayMs, workers, queue, maxBodyBytes, httpThreads,
        readTimeoutSeconds, logLevel);
  }

  public ServerOptions withBatching(int batch, int delayMs, int workerCount, int queueSize) {
    return new ServerOptions(host, port, batch, delayMs, workerCount, queueSize, maxBodyBytes, httpThreads,
        readTimeoutSeconds, logLevel);
  }

  public ServerOptions withMaxBodyBytes(long bytes) {
    return new ServerOptions(host, port, maxBatch, maxDelayMs, workers, queue, bytes, httpThreads, readTimeoutSeconds,
        logLevel);
  }

  public ServerOptions withReadTimeout(int seconds) {
    return new ServerOptions(host, port, maxBatch, maxDelayMs, workers, queue, maxBodyBytes, httpThreads, seconds,
        logLevel);
  }

  public ServerOptions withLogLevel(String level) {
    return new ServerOptions(host, port, maxBatch, maxDelayMs, workers, queue, maxBodyBytes, httpThreads,
        readTimeoutSeconds, level);
  }

  private static void positive(String what, int v) {
    if (v < 1) {
      throw new IllegalArgumentException("the " + what + " must be positive, got " + v);
    }
  }
}
