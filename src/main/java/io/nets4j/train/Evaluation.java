package io.nets4j.train;

import io.nets4j.data.Image;
import java.util.List;

/**
 * The result of evaluating a classifier on a data set.
 *
 * @param loss mean cross-entropy (no label smoothing)
 * @param top1 fraction of images whose most probable class is the true one
 * @param topK fraction whose true class is among the {@code k} most probable
 * @param k the k of {@code topK}: 5, or the number of classes if fewer
 * @param count images evaluated
 * @param confusion true against predicted classes
 * @param samples the first images with their true and predicted classes (for a picture)
 */
public record Evaluation(double loss, double top1, double topK, int k, long count, ConfusionMatrix confusion,
    List<Sample> samples) {
  /**
   * One evaluated image.
   *
   * @param image the pixels as the model saw them (normalised)
   * @param trueClass the label
   * @param predicted the most probable class
   * @param confidence the predicted class's softmax probability
   */
  public record Sample(Image image, int trueClass, int predicted, double confidence) {}
}
