package io.nets4j.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.nets4j.data.ImageDecoder;
import io.nets4j.inference.ImageClassifierPipeline.Label;
import io.nets4j.inference.ImageClassifierPipeline.Prediction;
import io.nets4j.inference.ImageClassifierPipeline;
import io.nets4j.io.SafeTensors;
import io.nets4j.nn.Checks;
import io.nets4j.nn.Limits;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import io.nets4j.train.AtomicFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nets4j predict}: the top-k classes of image files (or folders of them) under a trained run
 * or a published weight, preprocessed as that weight's reference defines ({@link ImageClassifierPipeline}).
 */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Classify image files (PNG, JPEG, BMP, GIF) and folders of them: the top-k classes with their "
        + "probabilities.",
        "Give --run (a run directory or checkpoint), or --model and --weights (safetensors or a PyTorch .pth) with",
        "--weights-config NAME (torchvision's IMAGENET1K_V2, a timm tag; `nets4j list --weights MODEL` lists them) for",
        "that weight's preprocessing and class names. Without it, a published file is recognised by its SHA-256;",
        "otherwise the model's default weights' preprocessing is used, and said so.", ""})
final class PredictCommand implements Callable<Integer> {
  private static final Set<String> IMAGE_SUFFIXES = Set.of("png", "jpg", "jpeg", "bmp", "gif", "tif", "tiff");

  @Parameters(arity = "1..*", paramLabel = "IMAGE|DIR", description = "image files, or folders whose image files are all read") List<Path> images;

  @Mixin ClassifierModelOptions classifier;

  /** For weights of your own: the crop side; 0 = the model's native resolution. */
  @Mixin SizeOption size = new SizeOption(0);

  @Mixin BatchOption batch = new BatchOption(8);

  @Option(names = "--top", defaultValue = "5", description = "classes to show per image (default: ${DEFAULT-VALUE})") int top;

  @Option(names = "--exif-orientation", description = "turn images upright by their EXIF orientation (PyTorch's "
      + "preprocessing ignores it)") boolean exifOrientation;

  @Option(names = "--logits", paramLabel = "OUT.safetensors", description = "write the F32 tensor `logits` [N, classes]") Path logitsFile;

  @Option(names = "--json", paramLabel = "OUT.json", description = "write the predictions as JSON") Path jsonFile;

  @Option(names = "--csv", paramLabel = "OUT.csv", description = "write the predictions as CSV (one row per image and rank)") Path csvFile;

  @Override
  public Integer call() {
    Checks.positive("--top", top);
    Checks.positive("--batch", batch.value);
    Checks.range("--size", size.value, 0, Limits.MAX_INPUT_SIDE);
    for (Path out : java.util.Arrays.asList(logitsFile, jsonFile, csvFile)) {
      if (out != null) {
        Checks.writableOutput("output", out);
      }
    }
    ClassifierSource source = classifier.source(size.value);
    source.check();
    List<Path> files = imageFiles(images);
    ImageClassifierPipeline pipeline = source.pipeline(exifOrientation ? ImageDecoder.Orientation.EXIF : ImageDecoder.Orientation.AS_STORED);
    List<Prediction> predictions = pipeline.predict(files, top, batch.value);
    for (Prediction p : predictions) {
      System.out.println(p.image());
      for (int i = 0; i < p.top().size(); i++) {
        Label l = p.top().get(i);
        System.out.printf(Locale.ROOT, "  %d. %-24s %6.2f%%%n", i + 1, l.name(), 100 * l.probability());
      }
    }
    write(predictions);
    return 0;
  }

  /** The files named, and the image files of the folders named (sorted by name), in order. */
  static List<Path> imageFiles(List<Path> args) {
    List<Path> files = new ArrayList<>();
    for (Path p : args) {
      if (Files.isDirectory(p)) {
        try (Stream<Path> s = Files.list(p)) {
          List<Path> found = s.filter(Files::isRegularFile).filter(PredictCommand::isImageName).sorted().toList();
          if (found.isEmpty()) {
            throw new IllegalArgumentException(p + ": no image files (" + String.join(", ", IMAGE_SUFFIXES.stream()
                .sorted().toList()) + ") in this folder");
          }
          files.addAll(found);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot list " + p + " (" + e + ")", e);
        }
      } else if (!Files.isRegularFile(p)) {
        throw new IllegalArgumentException(p + ": no such image file or folder");
      } else {
        files.add(p);
      }
    }
    return files;
  }

  private static boolean isImageName(Path p) {
    String name = p.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot > 0 && IMAGE_SUFFIXES.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
  }

  private void write(List<Prediction> predictions) {
    if (logitsFile != null) {
      int classes = predictions.get(0).logits().length;
      float[] all = new float[predictions.size() * classes];
      for (int i = 0; i < predictions.size(); i++) {
        System.arraycopy(predictions.get(i).logits(), 0, all, i * classes, classes);
      }
      Map<String, String> metadata = new LinkedHashMap<>();
      metadata.put("images", String.join("\n", predictions.stream().map(p -> p.image().toString()).toList()));
      try (Scope s = Scope.open()) {
        SafeTensors.write(logitsFile, Map.of("logits", Tensors.fromFloats(all, predictions.size(), classes)), metadata);
      }
    }
    if (jsonFile != null) {
      List<Map<String, Object>> rows = new ArrayList<>();
      for (Prediction p : predictions) {
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("image", p.image().toString());
        row.put("top", p.top().stream().map(l -> Map.of("index", l.index(), "name", l.name(),
            "probability", l.probability())).toList());
        rows.add(row);
      }
      try {
        AtomicFiles.writeString(jsonFile, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .writeValueAsString(rows) + "\n");
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(e);
      }
    }
    if (csvFile != null) {
      StringBuilder csv = new StringBuilder("image,rank,index,name,probability\n");
      for (Prediction p : predictions) {
        for (int i = 0; i < p.top().size(); i++) {
          Label l = p.top().get(i);
          csv.append(csvField(p.image().toString())).append(',').append(i + 1).append(',').append(l.index()).append(',')
              .append(csvField(l.name())).append(',').append(String.format(Locale.ROOT, "%.6f", l.probability()))
              .append('\n');
        }
      }
      AtomicFiles.writeString(csvFile, csv.toString());
    }
  }

  /** RFC 4180 quoting where a field needs it (ImageNet names have commas: "tench, Tinca tinca"). */
  private static String csvField(String s) {
    return s.contains(",") || s.contains("\"") || s.contains("\n") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }
}
