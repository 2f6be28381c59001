package io.nets4j.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Images stored one folder per class, as torchvision's {@code ImageFolder} reads them:
 * {@code root/<class>/**.png}. Classes are the sub-folders of {@code root} sorted by name, so
 * labels match torchvision's; each class folder is searched recursively and its files are sorted
 * by path. Images are decoded on {@link #get} (see {@link ImageFiles#readRgb}) into RGB.
 */
public final class ImageFolder implements ClassificationDataset {
  /** File extensions taken as images (case-insensitive). */
  public static final Set<String> EXTENSIONS = Set.of("jpg", "jpeg", "png", "bmp", "gif", "tif", "tiff");

  /** A file that was left out because it did not decode, and why. */
  public record SkippedFile(Path file, String reason) {}

  /** A sample: an image file and its class index. */
  public record Sample(Path file, int label) {}

  private final Path root;
  private final List<String> classes;
  private final List<Sample> samples;
  private final List<SkippedFile> skipped;

  private ImageFolder(Path root, List<String> classes, List<Sample> samples, List<SkippedFile> skipped) {
    this.root = root;
    this.classes = classes;
    this.samples = samples;
    this.skipped = skipped;
  }

  /**
   * Lists the images under {@code root} without decoding them; a file that does not decode
   * fails later, in {@link #get}, with a {@link DatasetException} naming it.
   *
   * @throws DatasetException if {@code root} is not a folder, has no class folders, or a class
   *     folder holds no image file
   */
  public static ImageFolder open(Path root) {
    return open(root, false);
  }

  /**
   * Like {@link #open(Path)}; with {@code skipUndecodable}, every image is decoded once now (in
   * parallel) and those that fail are left out and listed by {@link #skipped()}.
   */
  public static ImageFolder open(Path root, boolean skipUndecodable) {
    if (!Files.isDirectory(root)) {
      throw new DatasetException(root, "no such folder");
    }
    List<Path> classDirs = new ArrayList<>();
    try (Stream<Path> s = Files.list(root)) {
      s.filter(Files::isDirectory).filter(p -> !p.getFileName().toString().startsWith(".")).forEach(classDirs::add);
    } catch (IOException e) {
      throw new DatasetException(root, "cannot list (" + e + ")", e);
    }
    if (classDirs.isEmpty()) {
      throw new DatasetException(root, "no class folders (expected root/<class>/<image files>)");
    }
    classDirs.sort((a, b) -> a.getFileName().toString().compareTo(b.getFileName().toString()));
    List<String> classes = classDirs.stream().map(p -> p.getFileName().toString()).toList();
    List<Sample> samples = new ArrayList<>();
    for (int c = 0; c < classDirs.size(); c++) {
      List<Path> files = imageFiles(classDirs.get(c));
      if (files.isEmpty()) {
        throw new DatasetException(classDirs.get(c), "class folder holds no image file (" + EXTENSIONS + ")");
      }
      for (Path f : files) {
        samples.add(new Sample(f, c));
      }
    }
    List<SkippedFile> skipped = List.of();
    if (skipUndecodable) {
      List<String> problems = samples.parallelStream().map(ImageFolder::problem).toList();
      List<Sample> kept = new ArrayList<>();
      List<SkippedFile> bad = new ArrayList<>();
      for (int i = 0; i < samples.size(); i++) {
        if (problems.get(i) == null) {
          kept.add(samples.get(i));
        } else {
          bad.add(new SkippedFile(samples.get(i).file(), problems.get(i)));
        }
      }
      samples = kept;
      skipped = Collections.unmodifiableList(bad);
    }
    return new ImageFolder(root, classes, Collections.unmodifiableList(samples), skipped);
  }

  private static String problem(Sample s) {
    try {
      ImageFiles.readRgb(s.file());
      return null;
    } catch (DatasetException e) {
      return e.getMessage();
    }
  }

  private static List<Path> imageFiles(Path dir) {
    // torchvision's order: folders by path, and within a folder its files by name.
    Comparator<Path> order = Comparator.comparing((Path p) -> p.getParent().toString())
        .thenComparing(p -> p.getFileName().toString());
    try (Stream<Path> s = Files.walk(dir, FileVisitOption.FOLLOW_LINKS)) {
      return s.filter(Files::isRegularFile).filter(ImageFolder::isImageName).sorted(order).toList();
    } catch (IOException | UncheckedIOException e) {
      throw new DatasetException(dir, "cannot list (" + e + ")", e);
    }
  }

  private static boolean isImageName(Path p) {
    String name = p.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return !name.startsWith(".") && dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
  }

  @Override
  public int size() {
    return samples.size();
  }

  /** Decodes the image; a file that does not decode throws a {@link DatasetException} naming it. */
  @Override
  public LabeledImage get(int index) {
    Sample s = samples.get(index);
    return new LabeledImage(ImageFiles.readRgb(s.file()), s.label());
  }

  @Override
  public List<String> classes() {
    return classes;
  }

  /** The image files and their labels, in data set order. */
  public List<Sample> samples() {
    return samples;
  }

  /** Files left out by {@code open(root, true)} because they did not decode (empty otherwise). */
  public List<SkippedFile> skipped() {
    return skipped;
  }

  public Path root() {
    return root;
  }
}
