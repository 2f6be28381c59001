package io.nets4j.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.nets4j.data.CifarDataset;
import io.nets4j.data.CocoDetection;
import io.nets4j.data.IdxDataset;
import io.nets4j.data.Image;
import io.nets4j.data.ImageDecoder;
import io.nets4j.data.ImageFiles;
import io.nets4j.data.ImageList;
import io.nets4j.io.PyTorchFile;
import io.nets4j.io.SafeTensors;
import io.nets4j.io.SafeTensorsFile;
import io.nets4j.nn.Nets4jException;
import io.nets4j.tensor.Scope;
import io.nets4j.data.RgbImage;
import io.nets4j.serve.KServeRequest;
import io.nets4j.serve.Reply;
import io.nets4j.serve.Sample;
import io.nets4j.serve.ServeException;
import io.nets4j.serve.ServedModel;
import io.nets4j.serve.TensorData;
import io.nets4j.serve.TensorSpec;
import java.util.List;
import java.util.Map;
import io.nets4j.train.Checkpoints;
import io.nets4j.train.RunInfo;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Coverage-guided fuzzing of every reader of untrusted files (Jazzer, https://github.com/CodeIntelligenceTesting/jazzer).
 * Each target writes the input to a file and reads it; the reader must either succeed or throw
 * what nets4j promises for bad input, a {@link Nets4jException} or an
 * {@link IllegalArgumentException}. Anything else — another exception, a StackOverflowError, an
 * OutOfMemoryError, a hang (Jazzer's timeout) — is a finding.
 *
 * <p>In {@code mvn test} every target replays its seed corpus
 * ({@code src/test/resources/io/nets4j/fuzz/ReadersFuzzTestInputs/TARGET/}, where regression inputs
 * it found are kept too). {@code JAZZER_FUZZ=1 mvn surefire:test -Dtest='ReadersFuzzTest#TARGET'}
 * fuzzes one target (for the {@code maxDuration} of its annotation; {@code .ci/run} fuzzes each target so).
 */
class ReadersFuzzTest {
  /** A scratch folder per JVM: targets rewrite their files in it on every input. */
  private static final Path DIR = scratch();

  private static Path scratch() {
    try {
      Path d = Files.createTempDirectory("nets4j-fuzz");
      // the COCO and CSV targets refer to an image that exists
      ImageFiles.writePng(new Image(new float[3 * 4 * 3], 3, 4, 3), d.resolve("a.png"));
      return d;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path write(String name, byte[] bytes) {
    try {
      return Files.write(DIR.resolve(name), bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Runs {@code read}; the failures nets4j promises for bad input are fine, anything else is rethrown. */
  private static void expectCleanFailure(Runnable read) {
    try {
      read.run();
    } catch (Nets4jException | IllegalArgumentException expected) {
      if (expected.getMessage() == null || expected.getMessage().isBlank()) {
        throw new AssertionError("an error without a message", expected);
      }
    }
  }

  @FuzzTest(maxDuration = "15s")
  void safetensors(byte[] input) {
    Path file = write("f.safetensors", input);
    expectCleanFailure(() -> {
      SafeTensorsFile f = SafeTensors.read(file);
      try (Scope s = Scope.open()) {
        f.entries().forEach(e -> f.tensor(e.name()));
      }
    });
  }

  @FuzzTest(maxDuration = "15s")
  void pth(byte[] input) {
    Path file = write("f.pth", input);
    expectCleanFailure(() -> {
      PyTorchFile f = PyTorchFile.open(file);
      try (Scope s = Scope.open()) {
        f.tensorInfos().keySet().forEach(f::tensor);
      }
    });
  }

  @FuzzTest(maxDuration = "15s")
  void png(byte[] input) {
    Path file = write("f.png", input);
    expectCleanFailure(() -> ImageDecoder.read(file, ImageDecoder.Orientation.EXIF, 1 << 16));
  }

  /** The input is an images file; a labels file of the count its header declares (up to 4096) goes with it. */
  @FuzzTest(maxDuration = "15s")
  void idx(byte[] input) {
    Path images = write("images-idx3-ubyte", input);
    int count = input.length >= 8 ? java.nio.ByteBuffer.wrap(input, 4, 4).getInt() : 0;
    int labels = count >= 0 && count <= 4096 ? count : 1;
    java.nio.ByteBuffer l = java.nio.ByteBuffer.allocate(8 + labels).putInt(0x801).putInt(labels);
    Path labelsFile = write("labels-idx1-ubyte", l.array());
    expectCleanFailure(() -> {
      IdxDataset d = IdxDataset.open(images, labelsFile, IdxDataset.MNIST_CLASSES);
      if (d.size() > 0) {
        d.get(d.size() - 1);
      }
    });
  }

  @FuzzTest(maxDuration = "15s")
  void cifar(byte[] input) {
    write("test_batch.bin", input);
    expectCleanFailure(() -> {
      CifarDataset d = CifarDataset.cifar10(DIR, false);
      if (d.size() > 0) {
        d.get(d.size() - 1);
      }
    });
  }

  @FuzzTest(maxDuration = "15s")
  void cocoJson(byte[] input) {
    Path json = write("annotations.json", input);
    expectCleanFailure(() -> {
      CocoDetection d = CocoDetection.open(DIR, json);
      for (int i = 0; i < d.size(); i++) {
        d.get(i);
      }
    });
  }

  /** The first byte chooses the format (even: CSV, odd: JSON); the rest is the list. */
  @FuzzTest(maxDuration = "15s")
  void imageList(byte[] input) {
    if (input.length == 0) {
      return;
    }
    Path list = write((input[0] & 1) == 0 ? "list.csv" : "list.json", java.util.Arrays.copyOfRange(input, 1,
        input.length));
    expectCleanFailure(() -> ImageList.open(list).get(0));
  }

  /**
   * The input is written as a run's {@code run.json} and as its checkpoint's {@code checkpoint.json}
   * (seeds of both kinds, so each parser sees well-formed and mutated files of its own kind).
   */
  @FuzzTest(maxDuration = "15s")
  void checkpointMetadata(byte[] input) {
    Path run = DIR.resolve("run");
    Path checkpoint = run.resolve("checkpoints").resolve("step-00000001");
    try {
      Files.createDirectories(checkpoint);
      Files.writeString(run.resolve("checkpoints").resolve(Checkpoints.LATEST), "{\"checkpoint\": \"step-00000001\"}");
      Files.write(checkpoint.resolve(Checkpoints.INFO_FILE), input);
      Files.write(run.resolve(RunInfo.FILE), input);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    expectCleanFailure(() -> RunInfo.read(run));
    expectCleanFailure(() -> Checkpoints.info(checkpoint));
  }

  /** A classifier's request surface ({@code [N, 3, H, W]} in, logits out): what KServe request parsing checks against. */
  private static final ServedModel KSERVE_MODEL = new ServedModel() {
    @Override
    public String name() {
      return "fuzzed";
    }

    @Override
    public String platform() {
      return "nets4j";
    }

    @Override
    public TensorSpec input() {
      return new TensorSpec("input", TensorData.FP32, new long[] {-1, 3, -1, -1});
    }

    @Override
    public List<TensorSpec> outputs() {
      return List.of(new TensorSpec("logits", TensorData.FP32, new long[] {-1, 10}));
    }

    @Override
    public Sample fromImage(RgbImage image) {
      throw new UnsupportedOperationException("parsing only");
    }

    @Override
    public List<Map<String, TensorData>> run(List<Sample> batch) {
      throw new UnsupportedOperationException("parsing only");
    }

    @Override
    public Reply imageReply(Map<String, TensorData> outputs, String accept, int topK) {
      throw new UnsupportedOperationException("parsing only");
    }
  };

  /** The server's KServe v2 request parsing: a body either parses or is a 4xx ServeException. */
  @FuzzTest(maxDuration = "15s")
  void kserveRequest(byte[] input) {
    try {
      KServeRequest.parse(input, KSERVE_MODEL);
    } catch (ServeException expected) {
      if (expected.status() < 400 || expected.status() >= 500 || expected.getMessage() == null) {
        throw new AssertionError("a request defect must be a 4xx with a message", expected);
      }
    }
  }
}
