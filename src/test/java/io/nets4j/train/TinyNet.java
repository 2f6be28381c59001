package io.nets4j.train;

import io.nets4j.models.ImageClassifier;
import io.nets4j.nn.Activation;
import io.nets4j.nn.AdaptiveAvgPool2d;
import io.nets4j.nn.BatchNorm2d;
import io.nets4j.nn.Conv2d;
import io.nets4j.nn.ConvSpec;
import io.nets4j.nn.Dropout;
import io.nets4j.nn.Linear;
import io.nets4j.nn.Sequential;
import org.bytedeco.pytorch.Tensor;

/** A small convolutional classifier for fast training tests (with dropout, so that the generator matters). */
class TinyNet extends ImageClassifier {
  private final Sequential features;
  private final AdaptiveAvgPool2d pool = register("pool", new AdaptiveAvgPool2d(1, 1));
  private final Dropout dropout = register("dropout", new Dropout(0.1));
  private Linear fc;
  private int classes;

  TinyNet(int classes) {
    features = register("features", new Sequential(
        new Conv2d(3, 16, ConvSpec.kernel(3).padding(1).noBias()), new BatchNorm2d(16), Activation.relu(),
        new Conv2d(16, 32, ConvSpec.kernel(3).stride(2).padding(1).noBias()), new BatchNorm2d(32), Activation.relu()));
    this.classes = classes;
    fc = register("fc", new Linear(32, classes));
  }

  @Override
  public Tensor forwardFeatures(Tensor x) {
    return features.forward(x);
  }

  @Override
  public Tensor forwardHead(Tensor f) {
    return fc.forward(dropout.forward(pool.forward(f).flatten(1, -1)));
  }

  @Override
  public int numFeatures() {
    return 32;
  }

  @Override
  public int numClasses() {
    return classes;
  }

  @Override
  public void resetClassifier(int n) {
    fc = replace("fc", new Linear(32, n));
    classes = n;
  }
}
