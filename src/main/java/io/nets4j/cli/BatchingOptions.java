package io.nets4j.cli;

import picocli.CommandLine.Option;

/** The server's dynamic batching (a picocli mixin of {@code serve} and {@code bench serve}). */
final class BatchingOptions {
  @Option(names = "--max-batch", defaultValue = "8", description = "samples per forward pass at most (default: ${DEFAULT-VALUE})") int maxBatch;

  @Option(names = "--max-delay-ms", defaultValue = "5",
      description = "how long a request waits for others to batch with (default: ${DEFAULT-VALUE})") int maxDelayMs;
}
