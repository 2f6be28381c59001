package io.nets4j.data;

import java.util.List;

/** A data set of labelled images with named classes. */
public interface ClassificationDataset extends Dataset<LabeledImage> {
  /** Class names; a sample's label indexes this list. */
  List<String> classes();
}
