package io.nets4j.cli;

import io.nets4j.bench.BackgroundLoad;
import io.nets4j.bench.BenchOptions;
import io.nets4j.bench.DataParallelBench;
import io.nets4j.distributed.DistributedBackend;
import io.nets4j.distributed.DistributedConfig;
import io.nets4j.bench.BenchResult;
import io.nets4j.bench.BenchSuite;
import io.nets4j.bench.LoaderComparison;
import io.nets4j.bench.OptimisationLadder;
import io.nets4j.bench.PreprocessThroughput;
import io.nets4j.bench.Benchmark;
import io.nets4j.bench.Mode;
import io.nets4j.bench.OnnxRuntimeComparison;
import io.nets4j.bench.ThreadEnvironmentComparison;
import io.nets4j.tensor.DType;
import io.nets4j.train.DataSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nets4j bench MODEL [--batch N] [--threads T] [--mode infer|train] [--dtype f32|bf16]
 * [--optimize] [--optimizer adamw|adamw-unfused|sgd] [--channels-last] [--json] [--warmup W]
 * [--iters K]}, {@code --compare-onnxruntime MODEL.onnx}, {@code --compare-thread-env}, {@code --loader DATA}, {@code --preprocess IMAGE} and {@code --suite}.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, subcommands = BenchServeCommand.class, description = {
    "Times a model: inference latency at batch 1 and throughput at batch N, or training steps as the trainer",
    "takes them (forward, loss, backward, optimizer step); median and spread over the timed iterations, and peak",
    "resident memory. MODEL is a registered model or lstm_lm (a 2-layer LSTM language model).",
    "`bench serve` times the HTTP server against the model in-process (docs/serving.md)."})
final class BenchCommand implements Callable<Integer> {
  @Parameters(paramLabel = "MODEL", arity = "0..1", description = "the model to time (not with --suite)") String model;

  /** Batch of throughput and training. */
  @Mixin BatchOption batch = new BatchOption(8);

  @Mixin ThreadsOption threads = new ThreadsOption(0);

  /** 0 = the model's native resolution. */
  @Mixin SizeOption size = new SizeOption(0);

  /** The suite's table. */
  @Mixin OutOption out = new OutOption("docs/performance.md");

  @Option(names = "--mode", defaultValue = "infer", paramLabel = "infer|train", description = "default: ${DEFAULT-VALUE}") String mode;

  @Option(names = "--dtype", defaultValue = "f32", paramLabel = "f32|bf16", description = "default: ${DEFAULT-VALUE}") String dtype;

  @Option(names = "--optimize", description = "inference mode, batch norm folded into convolutions, channels-last") boolean optimize;

  @Option(names = "--optimizer", defaultValue = "adamw", paramLabel = "adamw|adamw-unfused|sgd", description = {
      "training: the trainer's AdamW (fused kernel), libtorch's AdamW, or SGD with momentum (default: ${DEFAULT-VALUE})"}) String optimizer;

  @Option(names = "--channels-last", description = "convolutional models: weights and input in channels-last format") boolean channelsLast;

  @Option(names = "--loader", paramLabel = "DATA", description = {
      "time training steps fed by the trainer's data loader against the same steps on one held batch",
      "(DATA as for `nets4j train --data`, e.g. idx:/usr/share/datasets/fashion-mnist); --size resizes"}) String loader;

  @Option(names = "--workers", defaultValue = "2", description = "--loader, --preprocess: worker threads (default: ${DEFAULT-VALUE})") int workers;

  @Option(names = "--preprocess", paramLabel = "IMAGE", description = {
      "time torchvision's evaluation preprocessing of IMAGE (decode, resize, crop, normalise) on one thread and",
      "on --workers threads, next to the model's forward pass"}) Path preprocess;

  @Option(names = "--warmup", defaultValue = "3", description = "untimed iterations first (default: ${DEFAULT-VALUE})") int warmup;

  @Option(names = "--iters", defaultValue = "20", description = "timed iterations, at least 10 (default: ${DEFAULT-VALUE})") int iters;

  @Option(names = "--json", description = "print the result as JSON") boolean json;

  @Option(names = "--compare-thread-env", description = {
      "run the benchmark in two fresh JVMs, with and without nets4j's native thread environment",
      "(-Dnets4j.keepThreadEnvironment=true and GOMP_SPINCOUNT / OPENBLAS_THREAD_TIMEOUT removed), and print both medians"}) boolean compareThreadEnv;

  @Option(names = "--overhead", description = {
      "estimate the Java layer's overhead in one forward at --batch: the forward vs its leaf layers replayed,",
      "native objects created, and the cost of one JNI call and of one tiny operator"}) boolean overhead;

  @Option(names = "--ladder", description = {"image models: batch-1 latency with the inference optimisations added "
      + "one at a time (eager, inference mode, batch norm folded, channels-last, packed weights, bfloat16), timed "
      + "round-robin"}) boolean ladder;

  @Option(names = "--compare-onnxruntime", paramLabel = "MODEL.onnx", description = {
      "time MODEL against ONNX Runtime on this ONNX export of the same network, side by side in one JVM, round-robin,",
      "on the same input at batch 1 and --batch; checks that the outputs agree and prints the ratio ORT/nets4j",
      "(with --optimize: the optimised model). The weights are --weights or MODEL.pth/.safetensors next to the file"}) Path compareOnnxRuntime;

  @Option(names = "--weights", paramLabel = "FILE", description = "--compare-onnxruntime: the weights the ONNX file was exported with") Path weights;

  @Option(names = "--background-load", description = {
      "run one busy process at nice 19 (a shell loop) during the measurement, as another program sharing the",
      "cores would: batch-1 latency under load (not with --suite, --compare-thread-env or --nproc-per-node)"}) boolean backgroundLoad;

  @Option(names = "--suite", description = {"run the fixed suite, each model in a fresh JVM: inference of seven models",
      "at --batch and the training steps of ResNet-50 (batch 32) and ViT-B/16 (batch 16); write Markdown tables"}) boolean suite;

  @Option(names = "--nproc-per-node", defaultValue = "0", paramLabel = "N", description = {"--mode train: data "
      + "parallel on this machine, N processes of --threads each (default cores / N) at --batch each, against one "
      + "process with all the threads at N x --batch: step time, communication share, scaling efficiency, allreduce "
      + "GB/s (docs/distributed.md)"}) int nprocPerNode;

  @Option(names = "--master-port", defaultValue = "29510",
      description = "--nproc-per-node: the rendezvous port on 127.0.0.1 (default: ${DEFAULT-VALUE})") int masterPort;

  @Override
  public Integer call() throws IOException {
    if (nprocPerNode > 0) {
      if (!"train".equals(mode)) {
        throw new IllegalArgumentException("--nproc-per-node measures training: add --mode train");
      }
      if (model == null || suite) {
        throw new IllegalArgumentException("--nproc-per-node times one MODEL; name it (not with --suite)");
      }
      BenchOptions o = new BenchOptions(model, batch.value, threads.value, Mode.TRAIN, DType.FLOAT32, false, warmup, iters, size.value,
          optimizer, false);
      var worker = DistributedConfig.fromEnvironment(System.getenv(), DistributedBackend.GLOO);
      if (worker.isPresent()) {
        DataParallelBench.worker(o, worker.get());
      } else {
        System.out.print(DataParallelBench.run(o, nprocPerNode, masterPort));
      }
      return 0;
    }
    if (suite == (model != null)) {
      throw new IllegalArgumentException(suite ? "--suite runs a fixed set of models; do not name one"
          : "name a MODEL to benchmark, or use --suite");
    }
    BenchOptions options = new BenchOptions(suite ? BenchSuite.MODELS.get(0) : model, batch.value, threads.value, Mode.parse(mode),
        parseDtype(dtype), optimize, warmup, iters, size.value, optimizer, channelsLast);
    if (backgroundLoad && (suite || compareThreadEnv)) {
      throw new IllegalArgumentException("--background-load applies to a measurement in this JVM, not to --suite or "
          + "--compare-thread-env");
    }
    try (BackgroundLoad load = BackgroundLoad.startIf(backgroundLoad)) {
      if (load != null) {
        System.err.println("background load: " + BackgroundLoad.describe());
      }
      measure(options);
    }
    return 0;
  }

  private void measure(BenchOptions options) throws IOException {
    if (suite) {
      BenchSuite.Report report = BenchSuite.run(BenchSuite.MODELS, BenchSuite.TRAINING, options,
          commandLine(options));
      if (out.value.getParent() != null) {
        Files.createDirectories(out.value.getParent());
      }
      Files.writeString(out.value, report.markdown());
      System.out.print(report.markdown());
      System.out.println("\nwritten to " + out.value);
    } else if (preprocess != null) {
      System.out.print(PreprocessThroughput.run(options, preprocess, workers).text());
    } else if (loader != null) {
      System.out.print(LoaderComparison.run(options, DataSpec.parse(loader), workers).text());
    } else if (compareOnnxRuntime != null) {
      Path w = weights != null ? weights : OnnxRuntimeComparison.siblingWeights(compareOnnxRuntime);
      System.out.print(OnnxRuntimeComparison.run(options, compareOnnxRuntime, w).text());
    } else if (ladder) {
      OptimisationLadder.Result r = OptimisationLadder.run(options);
      System.out.print(json ? r.json() + "\n" : r.text());
    } else if (overhead) {
      System.out.print(Benchmark.overhead(options).text());
    } else if (compareThreadEnv) {
      System.out.print(ThreadEnvironmentComparison.run(options).text());
    } else {
      BenchResult r = Benchmark.run(options);
      System.out.print(json ? r.json() + "\n" : r.text());
    }
  }

  private String commandLine(BenchOptions o) {
    List<String> a = new ArrayList<>(List.of("nets4j", "bench", "--suite"));
    List<String> args = new ArrayList<>(o.withMode(Mode.INFER).toArguments());
    // the suite runs both modes: --mode and its value do not apply
    int mode = args.indexOf("--mode");
    args.subList(mode, mode + 2).clear();
    a.addAll(args.subList(1, args.size()));
    a.add("--out");
    a.add(out.value.toString());
    return String.join(" ", a);
  }

  static DType parseDtype(String s) {
    return switch (s) {
      case "f32", "float32" -> DType.FLOAT32;
      case "bf16", "bfloat16" -> DType.BFLOAT16;
      default -> throw new IllegalArgumentException("unknown --dtype '" + s + "' (expected f32 or bf16)");
    };
  }
}
