package io.nets4j.experiments;

/**
 * How much training an experiment does: the same recipe at a quick and a full budget.
 *
 * @param epochs training epochs per run
 * @param trainSize training images (a random subset of the official training split)
 * @param testSize test images (a random subset of the official test split; reported, never used for choices)
 * @param imageSize side the 28x28 images are resized to
 * @param batch batch size
 * @param seeds runs per configuration, with seeds 0 .. seeds-1
 */
public record Budget(int epochs, int trainSize, int testSize, int imageSize, int batch, int seeds) {
  public Budget {
    positive("epochs", epochs);
    positive("train size", trainSize);
    positive("test size", testSize);
    positive("image size", imageSize);
    positive("batch", batch);
    positive("seeds", seeds);
    if (batch > trainSize) {
      throw new IllegalArgumentException("batch " + batch + " is larger than the " + trainSize + " training images");
    }
  }

  private static void positive(String what, int v) {
    if (v < 1) {
      throw new IllegalArgumentException(what + " must be >= 1, got " + v);
    }
  }

  /** The same budget with {@code n} seeds. */
  public Budget withSeeds(int n) {
    return new Budget(epochs, trainSize, testSize, imageSize, batch, n);
  }

  /** The same budget with every field of {@code o} that is above 0 replacing this one's. */
  public Budget override(Budget.Overrides o) {
    return new Budget(o.epochs() > 0 ? o.epochs() : epochs, o.trainSize() > 0 ? o.trainSize() : trainSize,
        o.testSize() > 0 ? o.testSize() : testSize, o.imageSize() > 0 ? o.imageSize() : imageSize,
        o.batch() > 0 ? o.batch() : Math.min(batch, o.trainSize() > 0 ? o.trainSize() : trainSize),
        o.seeds() > 0 ? o.seeds() : seeds);
  }

  /** Fields to override; 0 keeps the experiment's value. */
  public record Overrides(int epochs, int trainSize, int testSize, int imageSize, int batch, int seeds) {
    public static final Overrides NONE = new Overrides(0, 0, 0, 0, 0, 0);
  }
}
