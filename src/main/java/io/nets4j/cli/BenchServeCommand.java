package io.nets4j.cli;

import io.nets4j.bench.MachineInfo;
import io.nets4j.bench.ServeBenchmark;
import io.nets4j.data.ImageDecoder;
import io.nets4j.inference.ImageClassifierPipeline;
import io.nets4j.train.AtomicFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code nets4j bench serve}: a classifier in-process at batch 1 against the same classifier behind
 * {@code serve} on loopback with concurrent clients, without and with dynamic batching
 * ({@link ServeBenchmark}).
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false, description = {
    "Throughput and p50/p99 latency of image requests: in-process at batch 1, and through the HTTP server on "
        + "loopback with concurrent clients, without and with dynamic batching."})
final class BenchServeCommand implements Callable<Integer> {
  @Mixin ClassifierModelOptions classifier;

  @Option(names = "--image", required = true, paramLabel = "FILE", description = "the image every request sends") Path image;

  @Option(names = "--clients", defaultValue = "32", description = "concurrent clients (default: ${DEFAULT-VALUE})") int clients;

  @Option(names = "--requests", defaultValue = "8", description = "requests per client (default: ${DEFAULT-VALUE})") int requests;

  /** Of the batching run. */
  @Mixin BatchingOptions batching;

  /** Also the table and the machine as markdown. */
  @Mixin OutOption out = new OutOption();

  @Override
  public Integer call() {
    ServeBenchmark bench = new ServeBenchmark(clients, requests, batching.maxBatch, batching.maxDelayMs);
    ImageClassifierPipeline pipeline = classifier.source(0)
        .pipeline(ImageDecoder.Orientation.AS_STORED);
    List<ServeBenchmark.Row> rows = bench.run(pipeline, ServeBenchmark.read(image));
    String table = ServeBenchmark.markdown(rows);
    System.out.print(table);
    double load = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    String machine = MachineInfo.current().markdown()
        + String.format(Locale.ROOT, "- Load average at the end: %.2f on %d cores; %d clients x %d requests%n", load,
            Runtime.getRuntime().availableProcessors(), clients, requests);
    System.out.print(machine);
    if (out.value != null) {
      AtomicFiles.writeString(out.value, table + "\n" + machine);
    }
    return 0;
  }
}
