package io.nets4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.nn.Linear;
import io.nets4j.segmentation.SegmentationModels;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The generic registry behind {@link Models} and {@link SegmentationModels}. */
class RegistryTest {
  private static ModelInfo info(String name) {
    return new ModelInfo(name, "Test", "test", 1, "none");
  }

  /** A registry of linear layers whose option is the input width. */
  private static Registry<Integer, Linear> linears() {
    Registry<Integer, Linear> r = new Registry<>("linear model");
    r.add(info("linear2"), in -> new Linear(in, 2));
    r.add(info("linear3"), in -> new Linear(in, 3));
    r.add(info("bilinear"), in -> new Linear(in, 1));
    return r;
  }

  @Test
  void createsListsAndCountsInRegistrationOrder() {
    Registry<Integer, Linear> r = linears();
    assertEquals(List.of("linear2", "linear3", "bilinear"), r.list().stream().map(ModelInfo::name).toList());
    assertTrue(r.contains("linear3"));
    assertFalse(r.contains("linear4"));
    assertEquals("Test", r.info("linear2").family());
    assertEquals(5 * 3 + 3, r.create("linear3", 5).parameterCount());
    // counted on the meta device, with the given options
    assertEquals(10 * 2 + 2, r.parameterCount("linear2", 10));
  }

  @Test
  void aNameRegisteredTwiceFails() {
    Registry<Integer, Linear> r = linears();
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> r.add(info("linear2"), in -> new Linear(in, 7)));
    assertEquals("linear model 'linear2' registered twice", e.getMessage());
  }

  @Test
  void unknownNamesSuggestTheClosest() {
    Registry<Integer, Linear> r = linears();
    assertEquals(List.of("linear2", "linear3"), r.closest("linear", 2));
    // names that differ in more than a third of the characters are guesses, not corrections
    assertEquals(List.of("bilinear"), r.closest("bilinaer", 3));
    assertEquals(List.of("linear2", "linear3"), r.closest("LINEAR2", 3)); // the same name in another case first
    assertEquals(List.of(), r.closest("fcn8s", 3));
    UnknownModelException e = assertThrows(UnknownModelException.class, () -> r.create("linaer2", 4));
    assertEquals("linear2", e.suggestions().get(0));
    assertTrue(e.getMessage().contains("unknown model 'linaer2'"), e.getMessage());
    assertThrows(UnknownModelException.class, () -> r.parameterCount("nope", 1));
  }

  @Test
  void editDistanceCountsSingleCharacterEdits() {
    assertEquals(0, Registry.editDistance("vgg16", "vgg16"));
    assertEquals(1, Registry.editDistance("vgg16", "vgg19"));
    assertEquals(3, Registry.editDistance("kitten", "sitting"));
    assertEquals(5, Registry.editDistance("", "fcn8s"));
  }

  /** Both task registries suggest their own names for a misspelling. */
  @Test
  void theTaskRegistriesSuggestTheirOwnNames() {
    assertEquals("resnet50", assertThrows(UnknownModelException.class, () -> Models.create("resnt50"))
        .suggestions().get(0));
    assertEquals("fcn8s", assertThrows(UnknownModelException.class, () -> SegmentationModels.create("fcn8"))
        .suggestions().get(0));
    assertEquals(List.of("fcn_resnet50", "fcn_resnet101", "fcn32s", "fcn16s", "fcn8s"),
        SegmentationModels.list().stream().map(ModelInfo::name).toList());
    assertFalse(Models.contains("fcn8s"));
    assertFalse(SegmentationModels.contains("resnet50"));
  }
}
