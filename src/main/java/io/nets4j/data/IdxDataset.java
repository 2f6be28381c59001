package io.nets4j.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * MNIST-style data sets in the IDX format (MNIST, Fashion-MNIST, KMNIST...): a file of
 * {@code [N, H, W]} unsigned-byte images and a file of {@code N} unsigned-byte labels, each plain
 * or gzipped. Images come out as 1-channel {@link Image}s with values {@code byte / 255}.
 *
 * <p>Reference: Y. LeCun et al., "Gradient-based learning applied to document recognition"
 * (1998), the IDX format description at yann.lecun.com/exdb/mnist; H. Xiao et al.,
 * "Fashion-MNIST: a Novel Image Dataset for Benchmarking Machine Learning Algorithms" (2017).
 */
public final class IdxDataset implements ClassificationDataset {
  /** The class names of MNIST digits. */
  public static final List<String> MNIST_CLASSES = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

  /** The class names of Fashion-MNIST, as torchvision spells them. */
  public static final List<String> FASHION_MNIST_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress",
      "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

  private final byte[] pixels;
  private final byte[] labels;
  private final int height;
  private final int width;
  private final List<String> classes;
  /** Sample {@code i} is record {@code slot[i]} of the arrays read ({@code null}: sample i is record i). */
  private final int[] slot;

  private IdxDataset(byte[] pixels, byte[] labels, int height, int width, List<String> classes, int[] slot) {
    this.pixels = pixels;
    this.labels = labels;
    this.height = height;
    this.width = width;
    this.classes = classes;
    this.slot = slot;
  }

  /**
   * Opens an images file ({@code idx3}: {@code [N, H, W]}) with its labels file ({@code idx1}:
   * {@code [N]}). Every label must index {@code classNames}.
   *
   * @throws DatasetException naming the file: wrong magic number, truncated, trailing data,
   *     image and label counts that differ, or a label out of range
   */
  public static IdxDataset open(Path imagesFile, Path labelsFile, List<String> classNames) {
    return open(imagesFile, labelsFile, classNames, null);
  }

  /**
   * Like {@link #open(Path, Path, List)}, keeping only the samples at {@code indices} (in that
   * order; {@code null} for all): memory for the subset only, however large the files are.
   */
  public static IdxDataset open(Path imagesFile, Path labelsFile, List<String> classNames, int[] indices) {
    List<String> classes = List.copyOf(classNames);
    if (classes.isEmpty()) {
      throw new IllegalArgumentException("no class names given for " + labelsFile);
    }
    int[] records = indices == null ? null : Arrays.stream(indices).sorted().distinct().toArray();
    if (records != null) {
      int imageCount = IdxFile.count(imagesFile, 3);
      int labelCount = IdxFile.count(labelsFile, 1);
      if (imageCount != labelCount) {
        throw new DatasetException(labelsFile, labelCount + " labels, but " + imagesFile + " holds " + imageCount
            + " images");
      }
    }
    IdxFile.Contents images = IdxFile.read(imagesFile, 3, records);
    IdxFile.Contents labels = IdxFile.read(labelsFile, 1, records);
    if (images.dims()[0] != labels.dims()[0]) {
      throw new DatasetException(labelsFile, labels.dims()[0] + " labels, but " + imagesFile + " holds "
          + images.dims()[0] + " images");
    }
    byte[] l = labels.data();
    for (int i = 0; i < l.length; i++) {
      if ((l[i] & 0xff) >= classes.size()) {
        int sample = records == null ? i : records[i];
        throw new DatasetException(labelsFile, "label " + (l[i] & 0xff) + " of sample " + sample + " (offset "
            + (8 + sample) + ") is out of range for " + classes.size() + " classes");
      }
    }
    int[] slot = null;
    if (indices != null) {
      slot = new int[indices.length];
      for (int i = 0; i < indices.length; i++) {
        slot[i] = Arrays.binarySearch(records, indices[i]);
      }
    }
    return new IdxDataset(images.data(), l, images.dims()[1], images.dims()[2], classes, slot);
  }

  /**
   * Opens the training or test split from a folder holding the four standard files
   * ({@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte},
   * {@code t10k-labels-idx1-ubyte}, each optionally {@code .gz}, also with a dot before {@code idx}).
   * The class names are those of Fashion-MNIST when a folder on the path has "fashion" in its
   * name, else the digits {@code "0".."9"}; use {@link #openFolder(Path, boolean, List)} to say.
   */
  public static IdxDataset openFolder(Path dir, boolean train) {
    return openFolder(dir, train, isFashion(dir) ? FASHION_MNIST_CLASSES : MNIST_CLASSES);
  }

  /** Like {@link #openFolder(Path, boolean)}, with the given class names. */
  public static IdxDataset openFolder(Path dir, boolean train, List<String> classNames) {
    String split = train ? "train" : "t10k";
    return open(find(dir, split + "-images", "idx3-ubyte"), find(dir, split + "-labels", "idx1-ubyte"), classNames);
  }

  /**
   * Like {@link #openFolder(Path, boolean)}, reading only the random subset of {@code count}
   * samples ({@code 0}: all) that {@link Datasets#randomSplit} would draw with {@code seed}: a
   * {@code --train-size} of 64 costs 64 images of memory, whatever the file declares.
   */
  public static IdxDataset openFolder(Path dir, boolean train, int count, long seed) {
    String split = train ? "train" : "t10k";
    Path images = find(dir, split + "-images", "idx3-ubyte");
    Path labels = find(dir, split + "-labels", "idx1-ubyte");
    int n = IdxFile.count(images, 3);
    List<String> classes = isFashion(dir) ? FASHION_MNIST_CLASSES : MNIST_CLASSES;
    return open(images, labels, classes, count == 0 || count >= n ? null : Datasets.randomSubsetIndices(n, count,
        seed));
  }

  private static boolean isFashion(Path dir) {
    boolean fashion = false;
    for (Path part : dir.toAbsolutePath().normalize()) {
      fashion |= part.toString().toLowerCase(Locale.ROOT).contains("fashion");
    }
    return fashion;
  }

  private static Path find(Path dir, String stem, String kind) {
    if (!Files.isDirectory(dir)) {
      throw new DatasetException(dir, "no such folder");
    }
    for (String sep : new String[] {"-", "."}) {
      for (String ext : new String[] {"", ".gz"}) {
        Path p = dir.resolve(stem + sep + kind + ext);
        if (Files.isRegularFile(p)) {
          return p;
        }
      }
    }
    throw new DatasetException(dir, "no " + stem + "-" + kind + " file (also looked for .gz and "
        + stem + "." + kind + ")");
  }

  @Override
  public int size() {
    return slot == null ? labels.length : slot.length;
  }

  @Override
  public LabeledImage get(int index) {
    Objects.checkIndex(index, size());
    int record = slot == null ? index : slot[index];
    int n = height * width;
    float[] data = new float[n];
    int off = record * n;
    for (int i = 0; i < n; i++) {
      data[i] = (pixels[off + i] & 0xff) / 255f;
    }
    return new LabeledImage(new Image(data, 1, height, width), labels[record] & 0xff);
  }

  @Override
  public List<String> classes() {
    return classes;
  }

  public int height() {
    return height;
  }

  public int width() {
    return width;
  }
}
