package io.nets4j.train;

import io.nets4j.data.CifarDataset;
import io.nets4j.data.ClassificationDataset;
import io.nets4j.data.DataLoader;
import io.nets4j.data.Datasets;
import io.nets4j.data.IdxDataset;
import io.nets4j.data.Image;
import io.nets4j.data.ImageFolder;
import io.nets4j.data.ImageList;
import io.nets4j.data.LabeledImage;
import io.nets4j.data.ShapesDataset;
import io.nets4j.data.Transform;
import io.nets4j.data.Transforms;
import io.nets4j.nn.Checks;
import io.nets4j.nn.Limits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A data set named as on the command line, with its training/validation split, transforms and
 * normalisation:
 * <ul>
 *   <li>{@code shapes}: the synthetic shapes (six classes, generated in-process);
 *   <li>{@code patterns}: the synthetic stripe and checkerboard textures (four classes);
 *   <li>{@code idx:DIR}: MNIST-format files ({@code train-images-idx3-ubyte} etc., Fashion-MNIST
 *       when the folder name says so), the test files as validation;
 *   <li>{@code cifar10:DIR}, {@code cifar100:DIR}: the binary CIFAR files, test batch as validation;
 *   <li>{@code folder:DIR}: an image folder with one sub-folder per class, or with {@code train/}
 *       and {@code val/} (or {@code test/}) folders each laid out so;
 *   <li>{@code list:FILE}: a CSV or JSON list of image files and labels.
 * </ul>
 * Data without its own validation part is split at random ({@link Options#valFraction}).
 *
 * @param kind the kind of data
 * @param path its file or folder ({@code null} for the synthetic kinds)
 */
public record DataSpec(Kind kind, Path path) {
  /** The supported kinds of data. */
  public enum Kind {
    SHAPES, PATTERNS, IDX, CIFAR10, CIFAR100, FOLDER, LIST;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The accepted forms, for help texts. */
  public static final String FORMS = "shapes, patterns, idx:DIR, cifar10:DIR, cifar100:DIR, folder:DIR, list:FILE";

  /**
   * How to open the data.
   *
   * @param imageSize images are resized to this (0: the data's own size); synthetic data is generated at it
   *     (0: shapes 64, patterns 32)
   * @param trainSize synthetic data: images to generate for training; file data: a random subset of this many (0 = all)
   * @param valSize synthetic data: validation images; file data: a random subset of this many (0 = all)
   * @param valFraction the validation share when the data has no validation part
   * @param seed seed of the synthetic data, of subsets and splits
   */
  public record Options(int imageSize, int trainSize, int valSize, double valFraction, long seed) {
    public Options {
      Checks.range("image size", imageSize, 0, Limits.MAX_INPUT_SIDE);
      Checks.nonNegative("training subset size", trainSize);
      Checks.nonNegative("validation subset size", valSize);
      Checks.range("validation fraction", valFraction, 0.001, 0.999);
    }
  }

  /** Parses {@code shapes}, {@code idx:/data/fashion}, ... */
  public static DataSpec parse(String text) {
    String t = text.trim();
    int colon = t.indexOf(':');
    String name = (colon < 0 ? t : t.substring(0, colon)).toLowerCase(Locale.ROOT);
    for (Kind k : Kind.values()) {
      if (k.label().equals(name)) {
        boolean synthetic = k == Kind.SHAPES || k == Kind.PATTERNS;
        if (synthetic != (colon < 0)) {
          throw new IllegalArgumentException("'" + text + "': " + (synthetic ? name + " takes no path"
              : name + " needs a path, as " + name + ":PATH"));
        }
        return new DataSpec(k, synthetic ? null : Path.of(t.substring(colon + 1)));
      }
    }
    throw new IllegalArgumentException("unknown data '" + text + "' (use " + FORMS + ")");
  }

  @Override
  public String toString() {
    return path == null ? kind.label() : kind.label() + ":" + path;
  }

  /**
   * Data ready for the trainer.
   *
   * @param train the training samples
   * @param validation the validation samples
   * @param trainTransform augmentation and normalisation of training images
   * @param evalTransform normalisation (and resizing) of evaluation images
   * @param channels channels of the transformed images
   * @param imageSize side of the transformed (square) images
   * @param mean the normalisation mean per channel
   * @param std the normalisation standard deviation per channel
   */
  public record Opened(ClassificationDataset train, ClassificationDataset validation, Transform trainTransform,
      Transform evalTransform, int channels, int imageSize, float[] mean, float[] std) {
    public Opened {
      if (train.classes().size() < 2) {
        throw new IllegalArgumentException("the data has " + train.classes().size() + " class " + train.classes()
            + "; a classifier needs at least 2");
      }
    }

    public List<String> classes() {
      return train.classes();
    }

    /** Training batches: shuffled from {@code seed}, {@code workers} loader threads, optional mixup/CutMix. */
    public BatchSource trainBatches(int batchSize, int workers, long seed, double mixup, double cutmix) {
      return trainBatches(batchSize, workers, seed, mixup, cutmix, 0, 1);
    }

    /**
     * Like {@link #trainBatches(int, int, long, double, double)}, for rank {@code rank} of a
     * data-parallel job of {@code worldSize} processes: each epoch's shuffled order is shared by
     * the ranks and split into disjoint, equal shards ({@link DataLoader.Builder#shard}).
     */
    public BatchSource trainBatches(int batchSize, int workers, long seed, double mixup, double cutmix, int rank,
        int worldSize) {
      LoaderBatches b = new LoaderBatches(DataLoader.builder(train).batchSize(batchSize).shuffle(true).dropLast(true)
          .seed(seed).workers(workers).transform(trainTransform).shard(rank, worldSize).build());
      return mixup > 0 || cutmix > 0 ? b.withMixing(mixup, cutmix, classes().size(), seed) : b;
    }

    /** The same data with {@link Transforms#randomErasing} after the training transform ({@code p} 0: unchanged). */
    public Opened withRandomErasing(double p) {
      return p == 0 ? this : new Opened(train, validation, trainTransform.andThen(Transforms.randomErasing(p)),
          evalTransform, channels, imageSize, mean, std);
    }

    /** Validation batches, in order. */
    public BatchSource validationBatches(int batchSize, int workers) {
      return new LoaderBatches(DataLoader.builder(validation).batchSize(batchSize).workers(workers)
          .transform(evalTransform).build());
    }
  }

  private static final float[] HALF = {0.5f};
  private static final float[] QUARTER = {0.25f};
  private static final float[] CIFAR_MEAN = {0.4914f, 0.4822f, 0.4465f};
  private static final float[] CIFAR_STD = {0.2470f, 0.2435f, 0.2616f};
  private static final float[] MNIST_MEAN = {0.1307f};
  private static final float[] MNIST_STD = {0.3081f};
  private static final float[] FASHION_MEAN = {0.2860f};
  private static final float[] FASHION_STD = {0.3530f};

  /** Opens the data (reads headers and labels; images are read as batches need them). */
  public Opened open(Options o) {
    return switch (kind) {
      case SHAPES -> {
        // at 64 pixels a shape spans a few cells of a ResNet's last feature maps; at 32, one
        int size = o.imageSize() == 0 ? 64 : o.imageSize();
        // generated once and kept: rendering costs more than a small model's step
        ClassificationDataset train = cached(ShapesDataset.single(orDefault(o.trainSize(), 4000), size, o.seed())
            .classification());
        ClassificationDataset val = cached(ShapesDataset.single(orDefault(o.valSize(), 1000), size, o.seed() + 1)
            .classification());
        yield plain(train, val, 3, size, rgb(HALF), rgb(QUARTER));
      }
      case PATTERNS -> {
        int size = o.imageSize() == 0 ? 32 : o.imageSize();
        // the generator normalises to [-1, 1] itself
        yield new Opened(new PatternDataset(orDefault(o.trainSize(), 3200), size, o.seed()),
            new PatternDataset(orDefault(o.valSize(), 512), size, o.seed() + 1), Transforms.identity(),
            Transforms.identity(), 3, size, PatternDataset.MEAN, PatternDataset.STD);
      }
      case IDX -> {
        // only the random subsets asked for are read into memory (the same samples subset() would pick)
        IdxDataset train = IdxDataset.openFolder(path, true, o.trainSize(), o.seed());
        IdxDataset val = IdxDataset.openFolder(path, false, o.valSize(), o.seed());
        if (train.height() != val.height() || train.width() != val.width()) {
          throw new IllegalArgumentException(path + ": the training images are " + train.height() + "x" + train.width()
              + ", the test images " + val.height() + "x" + val.width() + "; both files must hold one image size");
        }
        boolean fashion = train.classes().equals(IdxDataset.FASHION_MNIST_CLASSES);
        int size = o.imageSize() == 0 ? train.height() : o.imageSize();
        yield fileData(subset(train, o.trainSize(), o.seed()), subset(val, o.valSize(), o.seed()), 1, size,
            fashion ? FASHION_MEAN : MNIST_MEAN, fashion ? FASHION_STD : MNIST_STD, train.height(), fashion);
      }
      case CIFAR10, CIFAR100 -> {
        ClassificationDataset train = kind == Kind.CIFAR10 ? CifarDataset.cifar10(path, true)
            : CifarDataset.cifar100(path, true, false);
        ClassificationDataset val = kind == Kind.CIFAR10 ? CifarDataset.cifar10(path, false)
            : CifarDataset.cifar100(path, false, false);
        int size = o.imageSize() == 0 ? 32 : o.imageSize();
        yield fileData(subset(train, o.trainSize(), o.seed()), subset(val, o.valSize(), o.seed()), 3, size,
            CIFAR_MEAN, CIFAR_STD, 32, true);
      }
      case FOLDER -> {
        Path trainDir = path.resolve("train");
        Path valDir = firstDirectory(path.resolve("val"), path.resolve("validation"), path.resolve("test"));
        ClassificationDataset train;
        ClassificationDataset val;
        if (Files.isDirectory(trainDir) && valDir != null) {
          train = ImageFolder.open(trainDir);
          val = ImageFolder.open(valDir);
          if (!train.classes().equals(val.classes())) {
            throw new IllegalArgumentException("the class folders of " + trainDir + " " + train.classes()
                + " and " + valDir + " " + val.classes() + " differ");
          }
        } else {
          Datasets.Split split = Datasets.randomSplit(ImageFolder.open(path), o.valFraction(), o.seed());
          train = split.train();
          val = split.validation();
        }
        yield naturalImages(train, val, o);
      }
      case LIST -> {
        Datasets.Split split = Datasets.randomSplit(ImageList.open(path), o.valFraction(), o.seed());
        yield naturalImages(split.train(), split.validation(), o);
      }
    };
  }

  private static int orDefault(int n, int otherwise) {
    return n == 0 ? otherwise : n;
  }

  private static Path firstDirectory(Path... candidates) {
    for (Path p : candidates) {
      if (Files.isDirectory(p)) {
        return p;
      }
    }
    return null;
  }

  private static float[] rgb(float[] one) {
    return new float[] {one[0], one[0], one[0]};
  }

  private static Opened plain(ClassificationDataset train, ClassificationDataset val, int channels, int size,
      float[] mean, float[] std) {
    Transform n = Transforms.normalize(mean, std);
    return new Opened(train, val, n, n, channels, size, mean, std);
  }

  /**
   * Small-image data sets: optional resize, light augmentation (shifts up to 1/8 of the side, horizontal
   * flips) for images whose classes are mirror-symmetric: CIFAR's photographs and Fashion-MNIST's clothes,
   * not MNIST's digits.
   */
  private static Opened fileData(ClassificationDataset train, ClassificationDataset val, int channels, int size,
      float[] mean, float[] std, int nativeSize, boolean mirrorSymmetric) {
    List<Transform> common = new ArrayList<>();
    if (size != nativeSize) {
      common.add(Transforms.resize(size, size));
    }
    List<Transform> augment = new ArrayList<>(common);
    if (mirrorSymmetric) {
      augment.add(Transforms.randomAffine(0, 0.125));
      augment.add(Transforms.horizontalFlip(0.5));
    }
    Transform n = Transforms.normalize(mean, std);
    augment.add(n);
    common.add(n);
    return new Opened(train, val, Transforms.compose(augment), Transforms.compose(common), channels, size, mean, std);
  }

  /** Photographs of any size: torchvision's ImageNet recipe (random resized crop and flip; resize and centre crop). */
  private static Opened naturalImages(ClassificationDataset train, ClassificationDataset val, Options o) {
    int size = o.imageSize() == 0 ? 224 : o.imageSize();
    Transform n = Transforms.normalize(Transforms.IMAGENET_MEAN, Transforms.IMAGENET_STD);
    Transform augment = Transforms.compose(Transforms.randomResizedCrop(size), Transforms.horizontalFlip(0.5), n);
    Transform eval = Transforms.compose(photographCrop(size), n);
    return new Opened(subset(train, o.trainSize(), o.seed()), subset(val, o.valSize(), o.seed()), augment, eval, 3,
        size, Transforms.IMAGENET_MEAN, Transforms.IMAGENET_STD);
  }

  /** torchvision's evaluation crop: resize the shorter side to 256/224 of {@code size}, then the central square. */
  private static Transform photographCrop(int size) {
    return Transforms.compose(Transforms.resize(size * 256 / 224), Transforms.centerCrop(size));
  }

  /**
   * How an image file (decoded to RGB in [0, 1], any size) is prepared for a model trained on this
   * data at {@code imageSize}: photographs (folder, list) as torchvision evaluates them, other
   * data resized to the square; converted to grey (ITU-R 601 luma) for one-channel models; then
   * normalised with {@code mean} and {@code std}.
   */
  public Transform inputTransform(int imageSize, int channels, float[] mean, float[] std) {
    List<Transform> steps = new ArrayList<>();
    steps.add(kind == Kind.FOLDER || kind == Kind.LIST ? photographCrop(imageSize)
        : Transforms.resize(imageSize, imageSize));
    if (channels == 1) {
      steps.add((image, random) -> {
        if (image.channels() == 1) {
          return image;
        }
        int plane = image.height() * image.width();
        float[] grey = new float[plane];
        float[] d = image.data();
        for (int i = 0; i < plane; i++) {
          grey[i] = 0.299f * d[i] + 0.587f * d[plane + i] + 0.114f * d[2 * plane + i];
        }
        return new Image(grey, 1, image.height(), image.width());
      });
    } else if (channels != 3) {
      throw new IllegalArgumentException("images can be prepared for 1 or 3 channels, not " + channels);
    }
    steps.add(Transforms.normalize(mean, std));
    return Transforms.compose(steps);
  }

  /** A random subset of {@code n} samples (all if {@code n} is 0 or not smaller). */
  private static ClassificationDataset subset(ClassificationDataset d, int n, long seed) {
    if (n == 0 || n >= d.size()) {
      return d;
    }
    return Datasets.randomSplit(d, (double) n / d.size(), seed).validation();
  }

  /** Keeps every sample once generated (thread-safe: loader workers may fill it in parallel). */
  private static ClassificationDataset cached(ClassificationDataset d) {
    AtomicReferenceArray<LabeledImage> cache = new AtomicReferenceArray<>(d.size());
    return new ClassificationDataset() {
      @Override
      public int size() {
        return d.size();
      }

      @Override
      public LabeledImage get(int index) {
        LabeledImage s = cache.get(index);
        if (s == null) {
          s = d.get(index);
          cache.set(index, s);
        }
        return s;
      }

      @Override
      public List<String> classes() {
        return d.classes();
      }
    };
  }
}
