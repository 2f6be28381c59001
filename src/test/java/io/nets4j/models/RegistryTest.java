package io.nets4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.nn.Linear;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The generic registry behind {@link Models} and the registries of the other tasks. */
class RegistryTest {
  /** A registry of linear layers whose option is the input width (4 by default). */
  private static Registry<Integer, Linear> linears() {
    return Registry.of(Task.CLASSIFICATION, info -> 4, m -> m, r -> {
      r.add("linear2", "Test", "test", 1, "none", in -> new Linear(in, 2));
      r.add("linear3", "Test", "test", 1, "none", in -> new Linear(in, 3));
      r.add("bilinear", "Test", "test", 1, "none", in -> new Linear(in, 1));
    });
  }

  @Test
  void createsListsAndCountsInRegistrationOrder() {
    Registry<Integer, Linear> r = linears();
    assertEquals(Task.CLASSIFICATION, r.task());
    assertEquals(List.of("linear2", "linear3", "bilinear"), r.list().stream().map(ModelInfo::name).toList());
    assertTrue(r.contains("linear3"));
    assertFalse(r.contains("linear4"));
    assertEquals(new ModelInfo("linear2", Task.CLASSIFICATION, "Test", "test", 1, "none"), r.info("linear2"));
    assertEquals(5 * 3 + 3, r.create("linear3", 5).parameterCount());
    assertEquals(4 * 3 + 3, r.create("linear3").parameterCount()); // the default options
    assertEquals(4 * 3 + 3, r.createModule("linear3").parameterCount());
    // counted on the meta device, with the given options
    assertEquals(10 * 2 + 2, r.parameterCount("linear2", 10));
    assertEquals(4 * 2 + 2, r.parameterCount("linear2"));
  }

  @Test
  void aNameRegisteredTwiceFails() {
    IllegalStateException twice = assertThrows(IllegalStateException.class,
        () -> Registry.<Integer, Linear>of(Task.SEGMENTATION, info -> 4, m -> m, r -> {
          r.add("linear2", "Test", "test", 1, "none", in -> new Linear(in, 2));
          r.add("linear2", "Test", "test", 1, "none", in -> new Linear(in, 7));
        }));
    assertEquals("segmentation model 'linear2' registered twice", twice.getMessage());
  }

  @Test
  void unknownNamesSuggestTheClosestWithTheirTask() {
    Registry<Integer, Linear> r = linears();
    assertEquals(List.of("linear2", "linear3"), r.closest("linear", 2));
    // names that differ in more than a third of the characters are guesses, not corrections
    assertEquals(List.of("bilinear"), r.closest("bilinaer", 3));
    assertEquals(List.of("linear2", "linear3"), r.closest("LINEAR2", 3)); // the same name in another case first
    assertEquals(List.of(), r.closest("fcn8s", 3));
    UnknownModelException e = assertThrows(UnknownModelException.class, () -> r.create("linaer2", 4));
    assertEquals(List.of("linear2"), e.suggestions()); // linear3 is 3 edits away
    assertEquals(Task.CLASSIFICATION, e.task().orElseThrow());
    assertEquals("unknown model 'linaer2'; did you mean linear2 (classification)?"
        + " (`nets4j list --task classification` prints every classification model)", e.getMessage());
    UnknownModelException none = assertThrows(UnknownModelException.class, () -> r.parameterCount("nope", 1));
    assertEquals(List.of(), none.suggestions());
    assertFalse(none.getMessage().contains("did you mean"), none.getMessage());
  }

  @Test
  void editDistanceCountsSingleCharacterEdits() {
    assertEquals(0, Registry.editDistance("vgg16", "vgg16"));
    assertEquals(1, Registry.editDistance("vgg16", "vgg19"));
    assertEquals(3, Registry.editDistance("kitten", "sitting"));
    assertEquals(5, Registry.editDistance("", "fcn8s"));
  }

  @Test
  void theClassifierRegistrySuggestsItsOwnNames() {
    assertEquals("resnet50", assertThrows(UnknownModelException.class, () -> Models.create("resnt50"))
        .suggestions().get(0));
    assertFalse(Models.contains("fcn8s"));
    assertTrue(Models.list().stream().allMatch(i -> i.task() == Task.CLASSIFICATION));
  }

  @Test
  void infoCarriesThePublishedWeights() {
    assertEquals(List.of("IMAGENET1K_V1", "IMAGENET1K_V2"),
        Models.info("resnet50").weights().stream().map(WeightsInfo::name).toList());
    assertEquals(List.of(), Models.info("resnet20_cifar").weights());
  }
}
