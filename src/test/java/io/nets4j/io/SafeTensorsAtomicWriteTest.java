package io.nets4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsAtomicWriteTest {
  @TempDir
  Path dir;

  private Path target;
  private byte[] original;

  @BeforeEach
  void writeOriginal() throws IOException {
    target = dir.resolve("model.safetensors");
    SafeTensors.write(target, Map.of("w", Tensors.fromFloats(new float[] {1, 2, 3}, 3)), Map.of("v", "1"));
    original = Files.readAllBytes(target);
  }

  private void assertOnlyTheOriginalRemains() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(target), files.toList(), "no temporary file is left behind");
    }
    assertArrayEquals(original, Files.readAllBytes(target));
  }

  /** A map whose iteration fails at its second element, as if a tensor could not be produced. */
  private static Map<String, Tensor> failingAtSecondElement() {
    return new AbstractMap<>() {
      @Override
      public Set<Entry<String, Tensor>> entrySet() {
        return new AbstractSet<>() {
          @Override
          public Iterator<Entry<String, Tensor>> iterator() {
            return new Iterator<>() {
              private int next;

              @Override
              public boolean hasNext() {
                return next < 3;
              }

              @Override
              public Entry<String, Tensor> next() {
                if (next++ == 1) {
                  throw new IllegalStateException("simulated failure");
                }
                return Map.entry("t" + next, Tensors.ones(DType.FLOAT32, 4));
              }
            };
          }

          @Override
          public int size() {
            return 3;
          }
        };
      }
    };
  }

  @Test
  void failingIterationLeavesTheTargetUntouched() throws IOException {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> SafeTensors.write(target, failingAtSecondElement(), Map.of()));
    assertEquals("simulated failure", e.getMessage());
    assertOnlyTheOriginalRemains();
  }

  @Test
  void tensorWithoutDataFailsMidWriteAndLeavesTheTargetUntouched() throws IOException {
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    tensors.put("a", Tensors.ones(DType.FLOAT32, 1000));
    // a meta tensor has a shape for the header but no data to copy
    tensors.put("b", Tensors.onDevice("meta", () -> Tensors.zeros(DType.FLOAT32, 10)));
    SafeTensorsException e = assertThrows(SafeTensorsException.class,
        () -> SafeTensors.write(target, tensors, Map.of()));
    assertTrue(e.getMessage().startsWith("model.safetensors: tensor 'b': cannot copy its data"), e.getMessage());
    assertOnlyTheOriginalRemains();
  }

  @Test
  void successfulWriteReplacesTheTargetAndLeavesNoTemporaryFile() throws IOException {
    SafeTensors.write(target, Map.of("x", Tensors.zeros(DType.INT32, 2)), Map.of());
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of(target), files.toList());
    }
    assertEquals(List.of("x"), SafeTensors.read(target).entries().stream().map(SafeTensorsFile.Entry::name).toList());
  }

  @Test
  void writingIntoAMissingDirectoryFailsWithTheFileName() {
    SafeTensorsException e = assertThrows(SafeTensorsException.class,
        () -> SafeTensors.write(dir.resolve("no/such/dir/m.safetensors"), Map.of(), Map.of()));
    assertTrue(e.getMessage().startsWith("m.safetensors: cannot create a temporary file"), e.getMessage());
  }
}
