package io.nets4j.models;

/**
 * Options every registered model accepts.
 *
 * @param numClasses size of the classifier output; {@code 0} removes the classifier, so that the
 *     model returns its pooled features ({@link ImageClassifier#numFeatures()} values per image)
 * @param inChannels channels of the input image
 * @param dropRate dropout before the classifier (where the architecture has one, its default
 *     otherwise; negative means "the architecture's default")
 * @param dropPathRate stochastic-depth rate of the deepest block (where the architecture has it;
 *     negative means "the architecture's default")
 */
public record ModelOptions(int numClasses, int inChannels, double dropRate, double dropPathRate) {
  public static final int IMAGENET_CLASSES = 1000;

  public ModelOptions {
    if (numClasses < 0) {
      throw new IllegalArgumentException("numClasses must be >= 0, got " + numClasses);
    }
    if (inChannels < 1) {
      throw new IllegalArgumentException("inChannels must be >= 1, got " + inChannels);
    }
    if (dropRate >= 1 || dropPathRate >= 1) {
      throw new IllegalArgumentException("drop rates must be < 1, got " + dropRate + " and " + dropPathRate);
    }
  }

  /** 1000 ImageNet classes, RGB input, the architecture's default regularisation. */
  public static ModelOptions defaults() {
    return new ModelOptions(IMAGENET_CLASSES, 3, -1, -1);
  }

  public ModelOptions withNumClasses(int n) {
    return new ModelOptions(n, inChannels, dropRate, dropPathRate);
  }

  /** The model returns pooled features instead of class logits. */
  public ModelOptions featuresOnly() {
    return withNumClasses(0);
  }

  public ModelOptions withInChannels(int c) {
    return new ModelOptions(numClasses, c, dropRate, dropPathRate);
  }

  public ModelOptions withDropRate(double p) {
    return new ModelOptions(numClasses, inChannels, p, dropPathRate);
  }

  public ModelOptions withDropPathRate(double p) {
    return new ModelOptions(numClasses, inChannels, dropRate, p);
  }

  /** The dropout rate to use, given the architecture's default. */
  public double dropRateOr(double architectureDefault) {
    return dropRate < 0 ? architectureDefault : dropRate;
  }

  /** The stochastic-depth rate to use, given the architecture's default. */
  public double dropPathRateOr(double architectureDefault) {
    return dropPathRate < 0 ? architectureDefault : dropPathRate;
  }
}
