package io.nets4j.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

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

  private IdxDataset(byte[] pixels, byte[] labels, int height, int width, List<String> classes) {
    this.pixels = pixels;
    this.labels = labels;
    this.height = height;
    this.width = width;
    this.classes = classes;
  }

  /**
   * Opens an images file ({@code idx3}: {@code [N, H, W]}) with its labels file ({@code idx1}:
   * {@code [N]}). Every label must index {@code classNames}.
   *
   * @throws DatasetException naming the file: wrong magic number, truncated, trailing data,
   *     image and label counts that differ, or a label out of range
   */
  public static IdxDataset open(Path imagesFile, Path labelsFile, List<String> classNames) {
    List<String> classes = List.copyOf(classNames);
    if (classes.isEmpty()) {
      throw new IllegalArgumentException("no class names given for " + labelsFile);
    }
    IdxFile.Contents images = IdxFile.read(imagesFile, 3);
    IdxFile.Contents labels = IdxFile.read(labelsFile, 1);
    if (images.dims()[0] != labels.dims()[0]) {
      throw new DatasetException(labelsFile, labels.dims()[0] + " labels, but " + imagesFile + " holds "
          + images.dims()[0] + " images");
    }
    byte[] l = labels.data();
    for (int i = 0; i < l.length; i++) {
      if ((l[i] & 0xff) >= classes.size()) {
        throw new DatasetException(labelsFile, "label " + (l[i] & 0xff) + " of sample " + i + " (offset " + (8 + i)
            + ") is out of range for " + classes.size() + " classes");
      }
    }
    return new IdxDataset(images.data(), l, images.dims()[1], images.dims()[2], classes);
  }

  /**
   * Opens the training or test split from a folder holding the four standard files
   * ({@code train-images-idx3-ubyte}, {@code train-labels-idx1-ubyte}, {@code t10k-images-idx3-ubyte},
   * {@code t10k-labels-idx1-ubyte}, each optionally {@code .gz}, also with a dot before {@code idx}).
   * The class names are those of Fashion-MNIST when a folder on the path has "fashion" in its
   * name, else the digits {@code "0".."9"}; use {@link #openFolder(Path, boolean, List)} to say.
   */
  public static IdxDataset openFolder(Path dir, boolean train) {
    boolean fashion = false;
    for (Path part : dir.toAbsolutePath().normalize()) {
      fashion |= part.toString().toLowerCase(Locale.ROOT).contains("fashion");
    }
    return openFolder(dir, train, fashion ? FASHION_MNIST_CLASSES : MNIST_CLASSES);
  }

  /** Like {@link #openFolder(Path, boolean)}, with the given class names. */
  public static IdxDataset openFolder(Path dir, boolean train, List<String> classNames) {
    String split = train ? "train" : "t10k";
    return open(find(dir, split + "-images", "idx3-ubyte"), find(dir, split + "-labels", "idx1-ubyte"), classNames);
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
    return labels.length;
  }

  @Override
  public LabeledImage get(int index) {
    java.util.Objects.checkIndex(index, labels.length);
    int n = height * width;
    float[] data = new float[n];
    int off = index * n;
    for (int i = 0; i < n; i++) {
      data[i] = (pixels[off + i] & 0xff) / 255f;
    }
    return new LabeledImage(new Image(data, 1, height, width), labels[index] & 0xff);
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
