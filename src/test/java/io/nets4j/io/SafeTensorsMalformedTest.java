package io.nets4j.io;

import static io.nets4j.io.SafeTensorsTestFiles.file;
import static io.nets4j.io.SafeTensorsTestFiles.raw;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.nn.Nets4jException;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SafeTensorsMalformedTest {
  private static final String FILE = "bad.safetensors";

  @TempDir
  Path dir;

  /** A well-formed F32 [2] entry under {@code key}, for building headers with one bad part. */
  private static String good(String key, int begin) {
    return "\"" + key + "\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[" + begin + "," + (begin + 8) + "]}";
  }

  private SafeTensorsException rejects(Path p, String... fragments) {
    SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> SafeTensors.read(p));
    assertInstanceOf(Nets4jException.class, e);
    assertTrue(e.getMessage().startsWith(p.getFileName() + ": "), e.getMessage());
    assertEquals(p.getFileName().toString(), e.fileName());
    for (String f : fragments) {
      assertTrue(e.getMessage().contains(f), () -> "'" + f + "' not in: " + e.getMessage());
    }
    return e;
  }

  private void rejectsKey(String header, int dataLength, String key, String... fragments) throws IOException {
    SafeTensorsException e = rejects(file(dir, FILE, header, new byte[dataLength]), fragments);
    assertTrue(e.getMessage().contains("tensor '" + key + "'"), e.getMessage());
    assertEquals(key, e.key());
  }

  @Test
  void fileShorterThanTheLengthPrefix() throws IOException {
    Path p = Files.write(dir.resolve(FILE), new byte[] {1, 2, 3, 4, 5});
    rejects(p, "5 bytes", "too short");
  }

  @Test
  void emptyFile() throws IOException {
    rejects(Files.write(dir.resolve(FILE), new byte[0]), "0 bytes");
  }

  @Test
  void headerLengthPastTheEndOfTheFile() throws IOException {
    rejects(raw(dir, FILE, 1000, "{}".getBytes(StandardCharsets.UTF_8), new byte[10]),
        "header length 1000 goes past the end of the file (20 bytes)");
  }

  @Test
  void headerLengthAboveTheSignedRangeIsNotAllocated() throws IOException {
    rejects(raw(dir, FILE, -8, "{}".getBytes(StandardCharsets.UTF_8), new byte[0]),
        "header length 18446744073709551608 goes past the end");
  }

  @Test
  void headerNotValidJson() throws IOException {
    rejects(file(dir, FILE, "{\"a\": {\"dtype\": ", new byte[0]), "header is not valid JSON");
  }

  @Test
  void headerWithTrailingGarbage() throws IOException {
    rejects(file(dir, FILE, "{} x", new byte[0]), "header is not valid JSON");
  }

  @Test
  void emptyHeader() throws IOException {
    rejects(file(dir, FILE, "", new byte[0]), "header is not a JSON object but empty");
  }

  @Test
  void headerNotAJsonObject() throws IOException {
    rejects(file(dir, FILE, "[1, 2]", new byte[0]), "header is not a JSON object but array");
  }

  @Test
  void headerNotUtf8() throws IOException {
    byte[] header = {'{', '"', 'a', (byte) 0xff, '"', ':', '1', '}'};
    rejects(file(dir, FILE, header, new byte[0]), "not valid UTF-8");
  }

  @Test
  void duplicateKeys() throws IOException {
    rejects(file(dir, FILE, "{" + good("a", 0) + "," + good("a", 8) + "}", new byte[16]), "Duplicate", "'a'");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
      "missing dtype | {\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}} | missing \"dtype\"",
      "missing shape | {\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,8]}} | missing \"shape\"",
      "missing data_offsets | {\"w\":{\"dtype\":\"F32\",\"shape\":[2]}} | missing \"data_offsets\"",
      "entry not an object | {\"w\":[1,2]} | entry must be an object",
      "dtype not a string | {\"w\":{\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]}} | \"dtype\" must be a string, not number",
      "shape not an array | {\"w\":{\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,8]}} | \"shape\" must be an array of integers",
      "shape of floats | {\"w\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}} | \"shape\" must be an array of integers, not [2.0]",
      "shape of strings | {\"w\":{\"dtype\":\"F32\",\"shape\":[\"2\"],\"data_offsets\":[0,8]}} | \"shape\" must be an array of integers",
      "shape beyond long | {\"w\":{\"dtype\":\"F32\",\"shape\":[99999999999999999999],\"data_offsets\":[0,8]}} | \"shape\" must be an array of integers",
      "one offset | {\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8]}} | \"data_offsets\" must be an array of 2 integers",
      "three offsets | {\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,4,8]}} | \"data_offsets\" must be an array of 2 integers",
      "offsets not integers | {\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[\"0\",\"8\"]}} | \"data_offsets\" must be an array of 2 integers",
      "offsets null | {\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":null}} | \"data_offsets\" must be an array of 2 integers",
  })
  void entryWithMissingFieldsOrWrongJsonTypes(String name, String header, String fragment) throws IOException {
    rejectsKey(header, 8, "w", fragment);
  }

  @Test
  void unknownDtype() throws IOException {
    rejectsKey("{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[8],\"data_offsets\":[0,8]}}", 8, "w",
        "unknown dtype 'F8_E4M3'", "supported: F64, F32, F16, BF16, I64, I32, I16, I8, U8, BOOL");
  }

  @Test
  void negativeDimension() throws IOException {
    rejectsKey("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,-1],\"data_offsets\":[0,8]}}", 8, "w",
        "shape [2, -1] has a negative dimension");
  }

  @Test
  void negativeOffsets() throws IOException {
    rejectsKey("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", 8, "w",
        "data_offsets [-8, 0] are negative");
  }

  @Test
  void offsetsEndBeyondTheDataSection() throws IOException {
    rejectsKey("{" + good("a", 0) + "," + good("w", 8) + "}", 12, "w",
        "data_offsets [8, 16] go past the end of the data section (12 bytes)");
  }

  @Test
  void offsetsBeginAfterEnd() throws IOException {
    rejectsKey("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, "w",
        "data_offsets [8, 0]: begin is after end");
  }

  @Test
  void overlappingRanges() throws IOException {
    rejectsKey("{" + good("a", 0) + "," + good("w", 4) + "}", 12, "w",
        "data_offsets [4, 12] overlap those of tensor 'a' [0, 8]");
  }

  @Test
  void emptyTensorInsideAnotherTensorsRangeOverlaps() throws IOException {
    rejectsKey("{" + good("a", 0) + ",\"w\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]}}", 8, "w",
        "overlap those of tensor 'a'");
  }

  @Test
  void gapBetweenRanges() throws IOException {
    rejectsKey("{" + good("a", 0) + "," + good("w", 12) + "}", 20, "w",
        "data_offsets [12, 20] leave a gap: bytes [8, 12) of the data section belong to no tensor");
  }

  @Test
  void gapAtTheStartOfTheDataSection() throws IOException {
    rejectsKey("{" + good("w", 4) + "}", 12, "w", "bytes [0, 4) of the data section belong to no tensor");
  }

  @Test
  void dataSectionNotFullyCovered() throws IOException {
    SafeTensorsException e = rejects(file(dir, FILE, "{" + good("a", 0) + "}", new byte[11]),
        "the data section has 11 bytes but the tensors cover only 8");
    assertNull(e.key());
  }

  @Test
  void shapeAndByteCountDisagree() throws IOException {
    Path p = file(dir, "resnet50.safetensors",
        "{\"fc.weight\":{\"dtype\":\"F32\",\"shape\":[10,5],\"data_offsets\":[0,100]}}", new byte[100]);
    SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> SafeTensors.read(p));
    assertEquals("resnet50.safetensors: tensor 'fc.weight': data_offsets [0, 100] give 100 bytes but F32 [10, 5] needs 200",
        e.getMessage());
  }

  @Test
  void lyingShapeIsRejectedBeforeAnyAllocation() throws IOException {
    rejectsKey("{\"w\":{\"dtype\":\"F64\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}}", 8, "w",
        "has more bytes than a file can hold");
    rejectsKey("{\"w\":{\"dtype\":\"F32\",\"shape\":[1073741824,1073741824],\"data_offsets\":[0,8]}}", 8, "w",
        "give 8 bytes but F32 [1073741824, 1073741824] needs 4611686018427387904");
  }

  @Test
  void metadataNotAnObject() throws IOException {
    rejects(file(dir, FILE, "{\"__metadata__\":[\"a\"]," + good("a", 0) + "}", new byte[8]),
        "\"__metadata__\" must be an object of strings, not array");
  }

  @Test
  void metadataValueNotAString() throws IOException {
    rejects(file(dir, FILE, "{\"__metadata__\":{\"epochs\":10}," + good("a", 0) + "}", new byte[8]),
        "\"__metadata__\" value of 'epochs' must be a string, not number");
  }

  @Test
  void nullMetadataMeansNone() throws IOException {
    Path p = file(dir, FILE, "{\"__metadata__\":null," + good("a", 0) + "}", new byte[8]);
    assertTrue(SafeTensors.read(p).metadata().isEmpty());
  }

  @Test
  void missingFile() {
    rejects(dir.resolve("absent.safetensors"), "absent.safetensors: no such file");
  }

  /** A FIFO is refused before it is opened: opening it would block until something writes to it. */
  @Test
  void aFifoIsRefusedWithoutBlocking() throws Exception {
    Path fifo = dir.resolve("pipe.safetensors");
    org.junit.jupiter.api.Assumptions.assumeTrue(new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor() == 0,
        "mkfifo is available");
    rejects(fifo, "pipe.safetensors: is not a regular file (a FIFO, socket or device)");
    SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> WeightsFile.open(fifo));
    assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
    rejects(dir, "is a directory");
  }

  @Test
  void unknownKey() throws IOException {
    SafeTensorsFile f = SafeTensors.read(file(dir, FILE, "{" + good("a", 0) + "}", new byte[8]));
    SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> f.tensor("b"));
    assertEquals(FILE + ": tensor 'b': no such tensor in the file (it has 1)", e.getMessage());
  }

  @Test
  void fileTruncatedAfterItsHeaderWasRead() throws IOException {
    Path p = SafeTensorsTestFiles.file(dir, FILE, "{" + good("a", 0) + "," + good("b", 8) + "}", new byte[16]);
    SafeTensorsFile f = SafeTensors.read(p);
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() - 4);
    }
    assertEquals(2, Tensors.toFloatArray(f.tensor("a")).length);
    SafeTensorsException e = assertThrows(SafeTensorsException.class, () -> f.tensor("b"));
    assertTrue(e.getMessage().startsWith(FILE + ": tensor 'b': the file ends before"), e.getMessage());
  }

  @Test
  void writingAReservedNameFails() {
    Path p = dir.resolve("out.safetensors");
    SafeTensorsException reserved = assertThrows(SafeTensorsException.class,
        () -> SafeTensors.write(p, Map.of("__metadata__", Tensors.zeros(DType.FLOAT32, 1)), Map.of()));
    assertEquals("out.safetensors: tensor '__metadata__': this name is reserved", reserved.getMessage());
    assertTrue(Files.notExists(p));
  }
}
