package io.nets4j.io;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.nets4j.tensor.DType;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Turns the JSON header of a safetensors file into a {@link SafeTensorsFile}, rejecting every
 * inconsistency before any tensor data is touched, so that a lying header can neither crash the
 * reader nor make it allocate more than the file holds.
 */
final class HeaderParser {
  static final String METADATA_KEY = "__metadata__";

  private final String fileName;

  private HeaderParser(String fileName) {
    this.fileName = fileName;
  }

  static SafeTensorsFile parse(Path path, String fileName, byte[] header, long dataLength) {
    return new HeaderParser(fileName).parse(path, header, dataLength);
  }

  private SafeTensorsFile parse(Path path, byte[] header, long dataLength) {
    JsonNode root = json(utf8(header));
    if (!root.isObject()) {
      throw fail(null, "header is not a JSON object but " + kind(root));
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    List<SafeTensorsFile.Entry> entries = new ArrayList<>();
    for (Map.Entry<String, JsonNode> field : root.properties()) {
      if (field.getKey().equals(METADATA_KEY)) {
        metadata = metadata(field.getValue());
      } else {
        entries.add(entry(field.getKey(), field.getValue(), dataLength));
      }
    }
    checkTiling(entries, dataLength);
    return new SafeTensorsFile(path, fileName, header.length, metadata, entries);
  }

  private String utf8(byte[] header) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(header))
          .toString();
    } catch (CharacterCodingException e) {
      throw fail(null, "header is not valid UTF-8", e);
    }
  }

  private JsonNode json(String text) {
    try {
      return SafeTensors.JSON.readTree(text);
    } catch (JsonProcessingException e) {
      String where = e.getLocation() == null ? "" : " (at character " + e.getLocation().getCharOffset() + ")";
      throw fail(null, "header is not valid JSON: " + e.getOriginalMessage() + where, e);
    }
  }

  private Map<String, String> metadata(JsonNode node) {
    Map<String, String> out = new LinkedHashMap<>();
    if (node.isNull()) {
      return out;
    }
    if (!node.isObject()) {
      throw fail(null, "\"" + METADATA_KEY + "\" must be an object of strings, not " + kind(node));
    }
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      if (!field.getValue().isTextual()) {
        throw fail(null, "\"" + METADATA_KEY + "\" value of '" + field.getKey() + "' must be a string, not "
            + kind(field.getValue()));
      }
      out.put(field.getKey(), field.getValue().textValue());
    }
    return out;
  }

  private SafeTensorsFile.Entry entry(String name, JsonNode node, long dataLength) {
    if (!node.isObject()) {
      throw fail(name, "entry must be an object with dtype, shape and data_offsets, not " + kind(node));
    }
    DType dtype = dtype(name, required(name, node, "dtype"));
    long[] shape = integers(name, required(name, node, "shape"), "shape", -1);
    for (long d : shape) {
      if (d < 0) {
        throw fail(name, "shape " + Arrays.toString(shape) + " has a negative dimension");
      }
    }
    long[] offsets = integers(name, required(name, node, "data_offsets"), "data_offsets", 2);
    long begin = offsets[0];
    long end = offsets[1];
    String range = "data_offsets " + Arrays.toString(offsets);
    if (begin < 0 || end < 0) {
      throw fail(name, range + " are negative");
    }
    if (begin > end) {
      throw fail(name, range + ": begin is after end");
    }
    if (end > dataLength) {
      throw fail(name, range + " go past the end of the data section (" + dataLength + " bytes)");
    }
    String typed = dtype.safetensorsCode() + " " + Arrays.toString(shape);
    long needed;
    try {
      long numel = 1;
      for (long d : shape) {
        numel = Math.multiplyExact(numel, d);
      }
      needed = Math.multiplyExact(numel, dtype.byteSize());
    } catch (ArithmeticException e) {
      throw fail(name, typed + " has more bytes than a file can hold", e);
    }
    if (needed != end - begin) {
      throw fail(name, range + " give " + (end - begin) + " bytes but " + typed + " needs " + needed);
    }
    return new SafeTensorsFile.Entry(name, dtype, shape, begin, end);
  }

  private JsonNode required(String name, JsonNode entry, String field) {
    JsonNode value = entry.get(field);
    if (value == null) {
      throw fail(name, "missing \"" + field + "\"");
    }
    return value;
  }

  private DType dtype(String name, JsonNode node) {
    if (!node.isTextual()) {
      throw fail(name, "\"dtype\" must be a string, not " + kind(node));
    }
    DType dtype = DType.fromSafetensorsCode(node.textValue());
    if (dtype == null) {
      throw fail(name, "unknown dtype '" + node.textValue() + "' (supported: "
          + Arrays.stream(DType.values()).map(DType::safetensorsCode).collect(Collectors.joining(", ")) + ")");
    }
    return dtype;
  }

  /** The integers of a JSON array, which must have {@code length} elements unless it is -1. */
  private long[] integers(String name, JsonNode node, String field, int length) {
    String expected = "\"" + field + "\" must be an array of " + (length < 0 ? "" : length + " ") + "integers";
    if (!node.isArray() || (length >= 0 && node.size() != length)) {
      throw fail(name, expected + ", not " + node);
    }
    long[] out = new long[node.size()];
    for (int i = 0; i < out.length; i++) {
      JsonNode v = node.get(i);
      if (!v.isIntegralNumber() || !v.canConvertToLong()) {
        throw fail(name, expected + ", not " + node);
      }
      out[i] = v.longValue();
    }
    return out;
  }

  /** The ranges sorted by begin must tile the data section exactly: no overlap, no gap, no tail. */
  private void checkTiling(List<SafeTensorsFile.Entry> entries, long dataLength) {
    List<SafeTensorsFile.Entry> sorted = new ArrayList<>(entries);
    sorted.sort(Comparator.comparingLong(SafeTensorsFile.Entry::begin).thenComparingLong(SafeTensorsFile.Entry::end));
    long covered = 0;
    SafeTensorsFile.Entry previous = null;
    for (SafeTensorsFile.Entry e : sorted) {
      if (e.begin() < covered) {
        throw fail(e.name(), "data_offsets [" + e.begin() + ", " + e.end() + "] overlap those of tensor '"
            + previous.name() + "' [" + previous.begin() + ", " + previous.end() + "]");
      }
      if (e.begin() > covered) {
        throw fail(e.name(), "data_offsets [" + e.begin() + ", " + e.end() + "] leave a gap: bytes ["
            + covered + ", " + e.begin() + ") of the data section belong to no tensor");
      }
      covered = e.end();
      previous = e;
    }
    if (covered != dataLength) {
      throw fail(null, "the data section has " + dataLength + " bytes but the tensors cover only "
          + covered + " (bytes [" + covered + ", " + dataLength + ") belong to no tensor)");
    }
  }

  private static String kind(JsonNode node) {
    return node.isMissingNode() ? "empty" : node.getNodeType().name().toLowerCase(Locale.ROOT);
  }

  private SafeTensorsException fail(String key, String problem) {
    return new SafeTensorsException(fileName, key, problem);
  }

  private SafeTensorsException fail(String key, String problem, Throwable cause) {
    return new SafeTensorsException(fileName, key, problem, cause);
  }
}
