package io.nets4j.data;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

/**
 * CIFAR-10 and CIFAR-100 in their binary distributions ({@code cifar-10-batches-bin},
 * {@code cifar-100-binary}). Each record is the label byte(s) and then 3072 pixel bytes: the 32x32
 * red plane, then green, then blue. Images come out as 3x32x32 {@link Image}s with values
 * {@code byte / 255}.
 *
 * <p>Reference: A. Krizhevsky, "Learning Multiple Layers of Features from Tiny Images" (2009).
 */
public final class CifarDataset implements ClassificationDataset {
  private static final int SIDE = 32;
  private static final int PIXELS = 3 * SIDE * SIDE;

  /** CIFAR-10's classes, used when {@code batches.meta.txt} is absent. */
  public static final List<String> CIFAR10_CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog",
      "frog", "horse", "ship", "truck");

  private static final Pattern TRAIN_BATCH = Pattern.compile("data_batch_(\\d+)\\.bin");

  private final List<byte[]> files;
  private final int recordSize;
  private final int labelByte;
  private final int[] starts;
  private final int size;
  private final List<String> classes;

  private CifarDataset(List<byte[]> files, int recordSize, int labelByte, List<String> classes) {
    this.files = files;
    this.recordSize = recordSize;
    this.labelByte = labelByte;
    this.classes = classes;
    this.starts = new int[files.size() + 1];
    for (int i = 0; i < files.size(); i++) {
      starts[i + 1] = starts[i] + files.get(i).length / recordSize;
    }
    this.size = starts[files.size()];
  }

  /**
   * CIFAR-10 from its folder: the training split is every {@code data_batch_N.bin} there (in the
   * order of N), the test split {@code test_batch.bin}. Class names come from
   * {@code batches.meta.txt} when present, else {@link #CIFAR10_CLASSES}.
   *
   * @throws DatasetException naming the file: missing, a size that is not a whole number of
   *     3073-byte records, or a label out of range
   */
  public static CifarDataset cifar10(Path dir, boolean train) {
    List<Path> batches = train ? trainBatches(dir) : List.of(requireFile(dir.resolve("test_batch.bin")));
    List<String> classes = namesOrDefault(dir.resolve("batches.meta.txt"), CIFAR10_CLASSES);
    return load(batches, 1, 0, classes);
  }

  /**
   * CIFAR-100 from its folder: {@code train.bin} or {@code test.bin}, with the 100 fine labels or
   * the 20 coarse (superclass) labels. Class names come from {@code fine_label_names.txt} /
   * {@code coarse_label_names.txt} when present, else {@code "0".."99"} / {@code "0".."19"}.
   *
   * @throws DatasetException naming the file: missing, a size that is not a whole number of
   *     3074-byte records, or a label out of range
   */
  public static CifarDataset cifar100(Path dir, boolean train, boolean coarseLabels) {
    Path file = requireFile(dir.resolve(train ? "train.bin" : "test.bin"));
    int count = coarseLabels ? 20 : 100;
    List<String> numbered = IntStream.range(0, count).mapToObj(Integer::toString).toList();
    List<String> classes = namesOrDefault(dir.resolve(coarseLabels ? "coarse_label_names.txt" : "fine_label_names.txt"),
        numbered);
    return load(List.of(file), 2, coarseLabels ? 0 : 1, classes);
  }

  private static CifarDataset load(List<Path> paths, int labelBytes, int labelByte, List<String> classes) {
    int recordSize = labelBytes + PIXELS;
    List<byte[]> files = new ArrayList<>();
    long total = 0;
    for (Path p : paths) {
      byte[] bytes = readRecords(p, recordSize);
      total += bytes.length / recordSize;
      if (total > Integer.MAX_VALUE) {
        throw new DatasetException(p, "more than " + Integer.MAX_VALUE + " records in all");
      }
      for (int r = 0; r < bytes.length / recordSize; r++) {
        int offset = r * recordSize;
        for (int b = 0; b < labelBytes; b++) {
          int bound = labelBytes == 1 ? 10 : b == 0 ? 20 : 100;
          int label = bytes[offset + b] & 0xff;
          if (label >= bound) {
            throw new DatasetException(p, "record " + r + " (offset " + (offset + b) + ") has "
                + (labelBytes == 1 ? "" : b == 0 ? "coarse " : "fine ") + "label " + label + ", out of range for "
                + bound + " classes");
          }
        }
      }
      files.add(bytes);
    }
    return new CifarDataset(List.copyOf(files), recordSize, labelByte, classes);
  }

  private static byte[] readRecords(Path file, int recordSize) {
    try {
      long length = Files.size(file);
      if (length == 0) {
        throw new DatasetException(file, "empty file, expected " + recordSize + "-byte records");
      }
      if (length % recordSize != 0) {
        long last = length / recordSize * recordSize;
        throw new DatasetException(file, "truncated or not a CIFAR batch: " + length + " bytes is not a whole number"
            + " of " + recordSize + "-byte records (the record at offset " + last + " has only "
            + (length - last) + " bytes)");
      }
      if (length > Integer.MAX_VALUE - 64) {
        throw new DatasetException(file, "file of " + length + " bytes is too large for one batch");
      }
      return Files.readAllBytes(file);
    } catch (IOException e) {
      throw new DatasetException(file, "cannot read (" + e + ")", e);
    }
  }

  private static List<Path> trainBatches(Path dir) {
    requireDir(dir);
    List<Path> found = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, "data_batch_*.bin")) {
      for (Path p : ds) {
        if (TRAIN_BATCH.matcher(p.getFileName().toString()).matches()) {
          found.add(p);
        }
      }
    } catch (IOException e) {
      throw new DatasetException(dir, "cannot list (" + e + ")", e);
    }
    if (found.isEmpty()) {
      throw new DatasetException(dir, "no CIFAR-10 training batches (data_batch_1.bin ... data_batch_5.bin)");
    }
    found.sort(Comparator.comparingLong(p -> {
      Matcher m = TRAIN_BATCH.matcher(p.getFileName().toString());
      m.matches();
      return Long.parseLong(m.group(1));
    }));
    return found;
  }

  private static List<String> namesOrDefault(Path file, List<String> defaults) {
    if (!Files.isRegularFile(file)) {
      return defaults;
    }
    List<String> names;
    try {
      names = Files.readAllLines(file).stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
    } catch (IOException e) {
      throw new DatasetException(file, "cannot read class names (" + e + ")", e);
    }
    if (names.size() != defaults.size()) {
      throw new DatasetException(file, names.size() + " class names, expected " + defaults.size());
    }
    return names;
  }

  private static Path requireFile(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new DatasetException(file, "no such file");
    }
    return file;
  }

  private static void requireDir(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw new DatasetException(dir, "no such folder");
    }
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public LabeledImage get(int index) {
    Objects.checkIndex(index, size);
    int f = 0;
    while (starts[f + 1] <= index) {
      f++;
    }
    byte[] bytes = files.get(f);
    int offset = (index - starts[f]) * recordSize;
    int label = bytes[offset + labelByte] & 0xff;
    int pixelStart = offset + recordSize - PIXELS;
    float[] data = new float[PIXELS];
    for (int i = 0; i < PIXELS; i++) {
      data[i] = (bytes[pixelStart + i] & 0xff) / 255f;
    }
    return new LabeledImage(new Image(data, 3, SIDE, SIDE), label);
  }

  @Override
  public List<String> classes() {
    return classes;
  }
}
