package io.nets4j.detection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nets4j.io.SafeTensors;
import io.nets4j.io.SafeTensorsFile;
import io.nets4j.tensor.Tensors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.bytedeco.pytorch.Tensor;

/** A fixture of {@code shared/fixtures/ops}: its JSON description and stored tensors. */
final class DetFixture {
  static final Path OPS = Path.of("..", "shared", "fixtures", "ops");

  final JsonNode json;
  private final SafeTensorsFile file;

  DetFixture(String name) {
    try {
      json = new ObjectMapper().readTree(OPS.resolve(name + ".json").toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    file = SafeTensors.read(OPS.resolve(name + ".safetensors"));
  }

  Tensor tensor(String key) {
    return file.tensor(key);
  }

  /** Asserts {@code actual} matches {@code key} within {@code tol * max(1, max|ref|)}; returns the error. */
  double assertClose(String key, Tensor actual, double tol) {
    Tensor ref = tensor(key);
    assertEquals(Tensors.describe(ref), Tensors.describe(actual), key + ": shape");
    double err = Tensors.maxAbsDiff(actual, ref);
    double bound = tol * Math.max(1, Tensors.maxAbs(ref));
    assertTrue(err <= bound, key + ": max |error| " + err + " > " + bound);
    return err;
  }

  void assertSameLongs(String key, Tensor actual) {
    assertArrayEquals(Tensors.toLongArray(tensor(key)), Tensors.toLongArray(actual), key);
  }
}
