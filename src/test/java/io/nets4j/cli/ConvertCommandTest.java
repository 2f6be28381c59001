package io.nets4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.io.PyTorchFile;
import io.nets4j.io.SafeTensors;
import io.nets4j.io.SafeTensorsFile;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nets4j convert} and {@code nets4j inspect} on torch.save files. */
class ConvertCommandTest {
  static final Path WEIGHTS = Path.of("..", "shared", "fixtures", "weights");
  static final Path RESOURCES = Path.of("src", "test", "resources", "io", "nets4j", "io", "pth");

  @TempDir
  Path tmp;

  @Test
  void convertsAPthToSafetensorsWithTheSameTensors() {
    Path in = WEIGHTS.resolve("mobilenet_v3_small.legacy.pth");
    Path out = tmp.resolve("mnv3.safetensors");
    CliTest.Run r = CliTest.run("convert", in.toString(), out.toString());
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("244 tensors"), r.out());
    SafeTensorsFile converted = SafeTensors.read(out);
    assertEquals("pt", converted.metadata().get("format"));
    try (Scope s = Scope.open()) {
      Map<String, Tensor> expected = PyTorchFile.open(WEIGHTS.resolve("mobilenet_v3_small.pth")).tensors();
      Map<String, Tensor> actual = converted.tensors();
      assertEquals(new ArrayList<>(expected.keySet()), new ArrayList<>(actual.keySet()));
      expected.forEach((k, t) -> {
        assertArrayEquals(Tensors.shape(t), Tensors.shape(actual.get(k)), k);
        assertArrayEquals(Tensors.toBytes(t), Tensors.toBytes(actual.get(k)), k);
      });
    }
  }

  @Test
  void aWrappedCheckpointNeedsItsEntry() {
    Path in = RESOURCES.resolve("wrapped.pth");
    Path out = tmp.resolve("tiny.safetensors");
    CliTest.Run none = CliTest.run("convert", in.toString(), out.toString());
    assertEquals(1, none.exit());
    assertTrue(none.err().startsWith("nets4j convert: wrapped.pth: the top level is not a flat map of names to"
        + " tensors"), none.err());
    assertTrue(none.err().contains("  model: OrderedDict of 9 tensors (a state_dict)"), none.err());
    assertFalse(Files.exists(out));

    CliTest.Run wrong = CliTest.run("convert", in.toString(), out.toString(), "--entry", "weights");
    assertEquals(1, wrong.exit());
    assertTrue(wrong.err().contains("no entry 'weights'; the top level has:\n  model: OrderedDict of 9 tensors"),
        wrong.err());
    assertTrue(wrong.err().contains("  ema: dict of 1 entry (state_dict)"), wrong.err());
    assertFalse(Files.exists(out));

    CliTest.Run ema = CliTest.run("convert", in.toString(), out.toString(), "--entry", "ema.state_dict",
        "--strip-prefix", "module.");
    assertEquals(0, ema.exit(), ema.err());
    SafeTensorsFile tiny = SafeTensors.read(RESOURCES.resolve("tiny.safetensors"));
    assertEquals(tiny.tensorInfos(), SafeTensors.read(out).tensorInfos());
  }

  @Test
  void aFileThatWouldRunCodeWritesNothing() throws IOException {
    // GLOBAL posix.system, ('touch MARKER',), REDUCE, STOP
    Path marker = tmp.resolve("pwned");
    ByteArrayOutputStream pickle = new ByteArrayOutputStream();
    pickle.writeBytes(new byte[] {(byte) 0x80, 2});
    pickle.writeBytes(("cposix\nsystem\nX").getBytes(StandardCharsets.US_ASCII));
    byte[] command = ("touch " + marker).getBytes(StandardCharsets.US_ASCII);
    pickle.writeBytes(new byte[] {(byte) command.length, 0, 0, 0});
    pickle.writeBytes(command);
    pickle.writeBytes(new byte[] {(byte) 0x85, 'R', '.'});
    Path in = tmp.resolve("evil.pth");
    try (ZipOutputStream zip = new ZipOutputStream(Files.newOutputStream(in))) {
      byte[] data = pickle.toByteArray();
      ZipEntry e = new ZipEntry("evil/data.pkl");
      e.setMethod(ZipEntry.STORED);
      e.setSize(data.length);
      CRC32 crc = new CRC32();
      crc.update(data);
      e.setCrc(crc.getValue());
      zip.putNextEntry(e);
      zip.write(data);
      zip.closeEntry();
    }
    Path out = tmp.resolve("out").resolve("evil.safetensors");
    Files.createDirectories(out.getParent());
    CliTest.Run r = CliTest.run("convert", in.toString(), out.toString());
    assertEquals(1, r.exit());
    assertTrue(r.err().startsWith("nets4j convert: evil.pth: refused: evil/data.pkl at byte 2: GLOBAL imports"
        + " posix.system"), r.err());
    assertEquals("", r.out());
    assertFalse(Files.exists(marker));
    try (Stream<Path> left = Files.list(out.getParent())) {
      assertEquals(List.of(), left.toList(), "no output and no temporary file");
    }
  }

  @Test
  void inspectListsThePthTensors() {
    CliTest.Run r = CliTest.run("inspect", WEIGHTS.resolve("mobilenet_v3_small.pth").toString());
    assertEquals(0, r.exit(), r.err());
    long elements = SafeTensors.read(WEIGHTS.resolve("mobilenet_v3_small.state.safetensors")).entries().stream()
        .mapToLong(SafeTensorsFile.Entry::numel).sum();
    assertTrue(r.out().startsWith("mobilenet_v3_small.pth: 244 tensors, " + elements + " elements, "), r.out());
    assertTrue(r.out().contains("torch.save zip format, folder 'mobilenet_v3_small'"), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.matches("features\\.0\\.0\\.weight +F32 +\\[16, 3, 3, 3\\] +432 +1728")),
        r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.matches("features\\.0\\.1\\.num_batches_tracked +I64 +\\[\\] +1 +8")),
        r.out());
    CliTest.Run wrapped = CliTest.run("inspect", RESOURCES.resolve("wrapped.pth").toString(), "--entry", "model");
    assertEquals(0, wrapped.exit(), wrapped.err());
    assertTrue(wrapped.out().contains("entry 'model'") && wrapped.out().contains("3.weight"), wrapped.out());
  }
}
