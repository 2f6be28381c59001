package io.nets4j.cli;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nets4j.data.ImageDecoder;
import io.nets4j.detection.Detectors;
import io.nets4j.io.LoadMode;
import io.nets4j.io.StateDicts;
import io.nets4j.models.Task;
import io.nets4j.registry.ModelRegistry;
import io.nets4j.segmentation.SegmentationModel;
import io.nets4j.segmentation.SegmentationModels;
import io.nets4j.segmentation.SegmentationOptions;
import io.nets4j.segmentation.SegmentationRun;
import io.nets4j.serve.ClassifierModel;
import io.nets4j.serve.DetectorModel;
import io.nets4j.serve.InferenceServer;
import io.nets4j.serve.SegmenterModel;
import io.nets4j.serve.ServedModel;
import io.nets4j.serve.ServerOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code nets4j serve}: an HTTP inference server ({@link InferenceServer}) for classification,
 * detection and segmentation models, with dynamic batching, KServe v2 and TorchServe-style
 * endpoints and Prometheus metrics; SIGTERM stops it gracefully. See docs/serving.md.
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Serve models over HTTP: KServe v2 (/v2/models/NAME/infer), TorchServe-style image requests "
        + "(/predictions/NAME) and /metrics, with dynamic batching. See docs/serving.md.",
        "One model: --run RUN, or --model NAME --weights FILE [--weights-config NAME] (a classifier, a detector "
            + "written by `detect train`, or a segmentation model); several: --config serve.json.", ""})
final class ServeCommand implements Callable<Integer> {
  /** {@code --run} may also be a {@code segment train} run. */
  @Mixin ClassifierModelOptions models;

  @Option(names = "--name", description = "the name in the URLs (default: the model's name)") String name;

  @Option(names = "--config", paramLabel = "serve.json",
      description = "several models: {\"models\": [{\"name\", \"model\", \"weights\", \"weights_config\", \"run\", "
          + "\"classes\"}, ...]}") Path config;

  @Option(names = "--host", defaultValue = "127.0.0.1", description = "address to listen on (default: ${DEFAULT-VALUE})") String host;

  @Option(names = "--port", defaultValue = "8080", description = "port, 0 for any free one (default: ${DEFAULT-VALUE})") int port;

  @Mixin BatchingOptions batching;

  @Option(names = "--workers", defaultValue = "1", description = "batches of a model run at once (default: ${DEFAULT-VALUE})") int workers;

  @Option(names = "--queue", defaultValue = "64",
      description = "samples waiting per model; beyond it 503 (default: ${DEFAULT-VALUE})") int queue;

  @Option(names = "--max-body-mb", defaultValue = "16",
      description = "largest request body; beyond it 413 (default: ${DEFAULT-VALUE})") int maxBodyMb;

  @Option(names = "--http-threads", defaultValue = "64", description = "threads serving connections (default: ${DEFAULT-VALUE})") int httpThreads;

  @Option(names = "--read-timeout", defaultValue = "30",
      description = "seconds a client may take to send a request (default: ${DEFAULT-VALUE})") int readTimeout;

  @Option(names = "--log-level", defaultValue = "INFO",
      description = "least level logged to stderr: INFO (a line per request), WARNING (internal errors only), OFF "
          + "(default: ${DEFAULT-VALUE})") String logLevel;

  /** One model of a serve.json. */
  record Entry(@JsonProperty("name") String name, @JsonProperty("model") String model,
      @JsonProperty("weights") Path weights, @JsonProperty("weights_config") String weightsConfig,
      @JsonProperty("run") Path run, @JsonProperty("classes") String classes) {}

  /** A serve.json. */
  record Config(@JsonProperty("models") List<Entry> models) {}

  @Override
  public Integer call() throws InterruptedException {
    List<Entry> entries = entries();
    ServerOptions options = new ServerOptions(host, port, batching.maxBatch, batching.maxDelayMs, workers, queue,
        (long) maxBodyMb << 20, httpThreads, readTimeout, logLevel);
    List<ServedModel> models = new ArrayList<>();
    for (Entry e : entries) {
      models.add(load(e));
    }
    InferenceServer server = InferenceServer.start(models, options);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      System.err.println("serve: stopping (finishing the requests in flight)");
      int status = 0;
      try {
        server.close();
        System.err.println("serve: stopped");
      } catch (RuntimeException e) {
        System.err.println("serve: stopping failed: " + e);
        status = 1;
      }
      stopped.countDown();
      System.err.flush();
      // a stop asked for (SIGTERM, Ctrl-C) that went cleanly is a success, not the JVM's 143
      Runtime.getRuntime().halt(status);
    }, "nets4j-serve-shutdown"));
    for (ServedModel m : models) {
      System.out.println("serving " + m.name() + " (" + m.platform() + ", input " + m.input() + ") at " + server.uri()
          + "/v2/models/" + m.name() + "/infer and " + server.uri() + "/predictions/" + m.name());
    }
    System.out.println("listening on " + server.uri() + " (metrics at " + server.uri() + "/metrics)");
    System.out.flush();
    stopped.await();
    return 0;
  }

  private List<Entry> entries() {
    if (config == null) {
      if (models.run == null && models.trained.model.value == null) {
        throw new IllegalArgumentException("give --run, --model and --weights, or --config serve.json");
      }
      return List.of(new Entry(name, models.trained.model.value, models.trained.weights.value, models.weightsConfig,
          models.run, models.classNames));
    }
    if (models.run != null || models.trained.model.value != null || models.trained.weights.value != null
        || name != null) {
      throw new IllegalArgumentException("--config lists the models; do not also give --run, --model, --weights "
          + "or --name");
    }
    try {
      Config c = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .readValue(Files.readString(config), Config.class);
      if (c.models() == null || c.models().isEmpty()) {
        throw new IllegalArgumentException(config + ": no \"models\" to serve");
      }
      return c.models();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + config + " (" + e.getMessage() + ")", e);
    }
  }

  /** The model of one entry: a classifier, a detector or a segmentation model, by its registry. */
  private ServedModel load(Entry e) {
    String served = e.name() != null ? e.name() : e.model() != null ? e.model()
        : e.run() != null ? e.run().getFileName().toString() : null;
    if (e.run() != null && Files.isRegularFile(e.run().resolve(SegmentationRun.FILE))) {
      SegmentationRun r = SegmentationRun.read(e.run());
      SegmentationModel net = r.createModel();
      StateDicts.load(net, e.run().resolve(SegmentationRun.WEIGHTS), LoadMode.STRICT);
      return new SegmenterModel(served, net, r.classes());
    }
    Task task = e.model() == null ? Task.CLASSIFICATION : ModelRegistry.info(e.model()).task();
    if (task == Task.SEQUENCE) {
      throw new IllegalArgumentException(e.model() + " is a sequence model; serve takes classifiers, segmentation"
          + " models and detectors");
    }
    if (task == Task.DETECTION) {
      if (e.weights() == null) {
        throw new IllegalArgumentException(e.model() + ": give --weights, a file written by `nets4j detect train`");
      }
      Detectors.Loaded d = Detectors.load(e.weights());
      if (!d.name().equals(e.model())) {
        throw new IllegalArgumentException(e.weights() + " holds a " + d.name() + " detector, not " + e.model());
      }
      return new DetectorModel(served, d.detector(), d.classes());
    }
    if (task == Task.SEGMENTATION) {
      if (e.weights() == null) {
        throw new IllegalArgumentException(e.model() + ": give --weights");
      }
      List<String> classes = e.classes() == null ? List.of()
          : Arrays.stream(e.classes().split(",")).map(String::trim).toList();
      SegmentationModel net = SegmentationModels.create(e.model(), classes.isEmpty() ? SegmentationOptions.defaults()
          : SegmentationOptions.defaults().withNumClasses(classes.size()));
      StateDicts.load(net, e.weights(), LoadMode.STRICT);
      return new SegmenterModel(served, net, classes);
    }
    TrainedModelOptions t = new TrainedModelOptions();
    t.model.value = e.model();
    t.weights.value = e.weights();
    ClassifierSource source = new ClassifierSource(e.run(), t, e.weightsConfig(), e.classes(), 0);
    return new ClassifierModel(served, source.pipeline(ImageDecoder.Orientation.AS_STORED));
  }
}
