package io.nets4j.captioning;

import io.nets4j.data.Box;
import io.nets4j.data.Image;
import io.nets4j.data.ShapesDataset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Captions generated from the content of a {@link ShapesDataset} scene, e.g. {@code "a red circle
 * above a blue square"}: the colour and shape of each object and, for two objects, their spatial
 * relation. The caption is a function of the scene alone, so every image has exactly one reference.
 *
 * <p>The data set draws colours uniformly from the RGB cube without naming them, so an object's
 * colour word is derived from its pixels: the dominant channel ({@code red}, {@code green} or
 * {@code blue}) of the mean colour of the pixels the mask assigns to it inside its box. The
 * relation is read from the box centres along the axis where they differ most: the upper object is
 * named first with {@code above}, or the left one with {@code left of}; this fixed order makes the
 * caption unique.
 */
public final class SceneCaptions {
  public static final String PAD = "<pad>";
  public static final String BOS = "<bos>";
  public static final String EOS = "<eos>";
  public static final List<String> COLOURS = List.of("red", "green", "blue");

  /** Every word a caption can contain, after the padding, start and end tokens (0, 1, 2). */
  public static final List<String> VOCABULARY = Stream.of(
      Stream.of(PAD, BOS, EOS, "a"), COLOURS.stream(), ShapesDataset.SHAPES.stream(),
      Stream.of("above", "left", "of")).flatMap(Function.identity()).toList();

  public static final long PAD_ID = 0;
  public static final long BOS_ID = 1;
  public static final long EOS_ID = 2;

  private static final Map<String, Integer> IDS = IntStream.range(0, VOCABULARY.size()).boxed()
      .collect(Collectors.toUnmodifiableMap(VOCABULARY::get, i -> i));

  private SceneCaptions() {}

  /** The caption's words (no start or end token). */
  public static List<String> caption(ShapesDataset.Scene scene) {
    int n = scene.labels().length;
    if (n < 1 || n > 2) {
      throw new IllegalArgumentException("captions describe scenes of one or two objects, this one has " + n);
    }
    List<String> words = new ArrayList<>();
    if (n == 1) {
      describe(scene, 0, words);
      return List.copyOf(words);
    }
    Box a = scene.boxes().get(0);
    Box b = scene.boxes().get(1);
    double dx = centreX(b) - centreX(a);
    double dy = centreY(b) - centreY(a);
    boolean vertical = Math.abs(dy) >= Math.abs(dx);
    int first = (vertical ? dy : dx) >= 0 ? 0 : 1;
    describe(scene, first, words);
    if (vertical) {
      words.add("above");
    } else {
      words.add("left");
      words.add("of");
    }
    describe(scene, 1 - first, words);
    return List.copyOf(words);
  }

  /** The colour word of object {@code k}: the dominant channel of its pixels' mean colour. */
  public static String colour(ShapesDataset.Scene scene, int k) {
    Box box = scene.boxes().get(k);
    int label = scene.labels()[k];
    Image image = scene.image();
    double[] sum = new double[3];
    int count = 0;
    for (int y = (int) box.y1(); y < (int) box.y2(); y++) {
      for (int x = (int) box.x1(); x < (int) box.x2(); x++) {
        if (scene.mask()[y * image.width() + x] == label) {
          for (int c = 0; c < 3; c++) {
            sum[c] += image.get(c, y, x);
          }
          count++;
        }
      }
    }
    if (count == 0) {
      throw new IllegalStateException("object " + k + " has no visible pixel in its box");
    }
    int best = 0;
    for (int c = 1; c < 3; c++) {
      if (sum[c] > sum[best]) {
        best = c;
      }
    }
    return COLOURS.get(best);
  }

  private static void describe(ShapesDataset.Scene scene, int k, List<String> words) {
    words.add("a");
    words.add(colour(scene, k));
    words.add(ShapesDataset.SHAPES.get(scene.labels()[k] - 1));
  }

  private static double centreX(Box b) {
    return (b.x1() + b.x2()) / 2.0;
  }

  private static double centreY(Box b) {
    return (b.y1() + b.y2()) / 2.0;
  }

  /** The token ids of {@code words}, between the start and end tokens. */
  public static long[] encode(List<String> words) {
    long[] ids = new long[words.size() + 2];
    ids[0] = BOS_ID;
    for (int i = 0; i < words.size(); i++) {
      Integer id = IDS.get(words.get(i));
      if (id == null) {
        throw new IllegalArgumentException("'" + words.get(i) + "' is not in the caption vocabulary " + VOCABULARY);
      }
      ids[i + 1] = id;
    }
    ids[ids.length - 1] = EOS_ID;
    return ids;
  }

  /** The words of generated token ids (start, end and padding tokens dropped). */
  public static List<String> decode(long[] ids) {
    List<String> words = new ArrayList<>();
    for (long id : ids) {
      if (id < 0 || id >= VOCABULARY.size()) {
        throw new IllegalArgumentException("token " + id + " is outside the vocabulary of " + VOCABULARY.size());
      }
      if (id != PAD_ID && id != BOS_ID && id != EOS_ID) {
        words.add(VOCABULARY.get((int) id));
      }
    }
    return List.copyOf(words);
  }

  /** A data set of one- and two-object scenes to caption. */
  public static ShapesDataset scenes(int count, int imageSize, long seed) {
    return new ShapesDataset(new ShapesDataset.Config(count, imageSize, 2, 2, seed));
  }
}
