package io.nets4j.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every reference model fixture whose model nets4j registers must pass: same state_dict, same
 * parameter count, float64 output within 1e-7 and float32 within 2e-3 of the reference.
 */
class ModelFixturesTest {
  static final Path FIXTURES = Path.of("..", "shared", "fixtures");

  static Stream<Path> registeredFixtures() throws IOException {
    List<Path> all = new ArrayList<>();
    for (String lib : List.of("torchvision", "timm")) {
      all.addAll(FixtureChecker.modelFixtures(FIXTURES.resolve(lib)));
    }
    return all.stream().filter(p -> FixtureChecker.isRegistered(ModelFixture.read(p).model()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("registeredFixtures")
  void matchesReference(Path json) {
    FixtureResult r = FixtureChecker.check(json);
    assertEquals(FixtureResult.Status.PASS, r.status(), r.line());
  }

  @Test
  void fixturesArePresent() {
    assertTrue(Files.isDirectory(FIXTURES.resolve("torchvision")),
        "reference fixtures expected at " + FIXTURES.toAbsolutePath());
  }

  /** The foundation's three ResNet-family fixtures must be among the checked ones. */
  @Test
  void resnetFamilyFixturesAreChecked() throws IOException {
    List<String> names = registeredFixtures().map(p -> ModelFixture.read(p).name()).toList();
    assertTrue(names.containsAll(List.of("resnet18", "resnet50", "resnext50_32x4d")), names.toString());
  }
}
