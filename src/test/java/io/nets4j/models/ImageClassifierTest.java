package io.nets4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.nn.Activation;
import io.nets4j.nn.F;
import io.nets4j.nn.Identity;
import io.nets4j.nn.Init;
import io.nets4j.nn.Linear;
import io.nets4j.nn.Sequential;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.List;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;

class ImageClassifierTest {
  /** A classifier declared as the child {@code fc}, or as the last layer of the head {@code head}. */
  static final class Tiny extends ImageClassifier {
    private final Linear stem = register("stem", new Linear(3, 4));
    private final Sequential head;

    Tiny(boolean inSequential, int classes) {
      if (inSequential) {
        head = register("head", new Sequential(new Linear(4, 6), Activation.relu()));
        addClassifier(head, 6, classes, ClassifierFactory.linear());
      } else {
        head = null;
        registerClassifier("fc", 4, classes, ClassifierFactory.linear(fc -> Init.zeros(fc.bias())));
      }
      register("after", new Identity());
    }

    @Override
    public Tensor forwardFeatures(Tensor x) {
      return stem.forward(x);
    }

    @Override
    public Tensor forwardHead(Tensor features) {
      return head != null ? head.forward(features) : classifier().forward(features);
    }

    void declareAgain() {
      registerClassifier("fc2", 4, 1, ClassifierFactory.linear());
    }
  }

  /** Declares no classifier. */
  static final class Headless extends ImageClassifier {
    @Override
    public Tensor forwardFeatures(Tensor x) {
      return x;
    }

    @Override
    public Tensor forwardHead(Tensor features) {
      return F.flatten(features, 1);
    }
  }

  @Test
  void aRegisteredClassifierIsReplacedInPlace() {
    try (Scope s = Scope.open()) {
      Tiny m = new Tiny(false, 5);
      assertEquals(4, m.numFeatures());
      assertEquals(5, m.numClasses());
      assertEquals(0.0, Tensors.maxAbs(m.stateDict().get("fc.bias")), "the factory's init runs");
      m.eval();
      m.resetClassifier(0);
      assertEquals(0, m.numClasses());
      assertTrue(m.classifier() instanceof Identity);
      assertEquals(List.of("stem.weight", "stem.bias"), List.copyOf(m.stateDict().keySet()));
      m.resetClassifier(2);
      assertEquals(List.of("stem.weight", "stem.bias", "fc.weight", "fc.bias"), List.copyOf(m.stateDict().keySet()));
      assertEquals("fc", m.classifier().path());
      assertTrue(!m.classifier().isTraining(), "the new classifier takes the model's mode");
      assertArrayEquals(new long[] {1, 2}, Tensors.shape(m.forward(Tensors.zeros(DType.FLOAT32, 1, 3))));
    }
  }

  @Test
  void aClassifierInASequentialKeepsTheLayersBeforeIt() {
    try (Scope s = Scope.open()) {
      Tiny m = new Tiny(true, 5);
      assertEquals(6, m.numFeatures());
      Tensor hidden = m.stateDict().get("head.0.weight");
      Tensor out = m.stateDict().get("head.2.weight");
      m.resetClassifier(3);
      assertSame(hidden, m.stateDict().get("head.0.weight"));
      assertNotSame(out, m.stateDict().get("head.2.weight"));
      assertArrayEquals(new long[] {3, 6}, Tensors.shape(m.stateDict().get("head.2.weight")));
      assertEquals(List.of("stem.weight", "stem.bias", "head.0.weight", "head.0.bias", "head.2.weight", "head.2.bias"),
          List.copyOf(m.stateDict().keySet()));
      assertArrayEquals(new long[] {2, 3}, Tensors.shape(m.forward(Tensors.zeros(DType.FLOAT32, 2, 3))));
    }
  }

  @Test
  void aModelHasOneClassifier() {
    Tiny m = new Tiny(false, 5);
    IllegalStateException e = assertThrows(IllegalStateException.class, m::declareAgain);
    assertTrue(e.getMessage().contains("already has a classifier ('fc')"), e.getMessage());
    IllegalStateException none = assertThrows(IllegalStateException.class, () -> new Headless().numClasses());
    assertTrue(none.getMessage().contains("Headless declares no classifier"), none.getMessage());
  }
}
