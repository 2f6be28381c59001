package io.nets4j.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nets4j.nn.Limits;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;

/**
 * Images listed with their labels in a CSV or JSON file; image paths are relative to the list
 * file's folder (absolute paths are allowed). Images are decoded on {@link #get} into RGB (see
 * {@link ImageFiles#readRgb}).
 *
 * <p>CSV ({@code .csv}): one {@code path,label} per line; fields may be double-quoted (with
 * {@code ""} for a quote); blank lines and lines starting with {@code #} are ignored; a first line
 * whose first field is {@code path}, {@code file}, {@code filename} or {@code image} is a header.
 *
 * <p>JSON ({@code .json}): an array of {@code {"path": ..., "label": ...}} objects, or an object
 * {@code {"classes": [names...], "samples": [that array]}}.
 *
 * <p>Labels: with class names (given, or the JSON {@code classes}), a label is a class name or an
 * index into them. Without, if every label is a non-negative integer the classes are
 * {@code "0".."max"}; otherwise every label is a name and the classes are the distinct names
 * sorted, as {@link ImageFolder} sorts its folders.
 */
public final class ImageList implements ClassificationDataset {
  private static final Set<String> HEADER_NAMES = Set.of("path", "file", "filename", "image");

  private final List<ImageFolder.Sample> samples;
  private final List<String> classes;

  private ImageList(List<ImageFolder.Sample> samples, List<String> classes) {
    this.samples = samples;
    this.classes = classes;
  }

  /** Reads a list, taking the class names from its labels (or the JSON {@code classes}). */
  public static ImageList open(Path listFile) {
    return open(listFile, null);
  }

  /**
   * Reads a list whose labels are names from {@code classNames} or indices into it.
   *
   * @throws DatasetException naming the list file and the line (CSV) or entry (JSON): malformed
   *     syntax, a missing image file, an unknown class name or an index out of range
   */
  public static ImageList open(Path listFile, List<String> classNames) {
    if (!Files.isRegularFile(listFile)) {
      throw new DatasetException(listFile, "no such list file");
    }
    String name = listFile.getFileName().toString().toLowerCase(Locale.ROOT);
    List<Entry> entries;
    List<String> classes = classNames == null ? null : List.copyOf(classNames);
    String text;
    try {
      text = Files.readString(listFile, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new DatasetException(listFile, "cannot read (" + e + ")", e);
    }
    if (name.endsWith(".csv")) {
      entries = parseCsv(listFile, text);
    } else if (name.endsWith(".json")) {
      Json json = parseJson(listFile, text);
      entries = json.entries();
      if (classes == null) {
        classes = json.classes();
      }
    } else {
      throw new DatasetException(listFile, "unknown list format (use a .csv or .json file)");
    }
    if (entries.isEmpty()) {
      throw new DatasetException(listFile, "lists no images");
    }
    classes = classes == null ? inferClasses(listFile, entries) : checkCount(listFile, classes);
    Map<String, Integer> byName = new HashMap<>();
    for (int i = 0; i < classes.size(); i++) {
      byName.putIfAbsent(classes.get(i), i);
    }
    Path base = listFile.toAbsolutePath().getParent();
    List<ImageFolder.Sample> samples = new ArrayList<>(entries.size());
    for (Entry e : entries) {
      Integer label = byName.get(e.label());
      if (label == null) {
        label = parseIndex(e.label());
        if (label == null) {
          throw new DatasetException(listFile, e.where() + ": unknown class '" + e.label() + "' (classes: "
              + abbreviate(classes) + ")");
        }
        if (label >= classes.size()) {
          throw new DatasetException(listFile, e.where() + ": label " + label + " is out of range for "
              + classes.size() + " classes");
        }
      }
      Path file = base.resolve(e.path()).normalize();
      if (!Files.isRegularFile(file)) {
        throw new DatasetException(listFile, e.where() + ": no such image file '" + e.path() + "' (" + file + ")");
      }
      samples.add(new ImageFolder.Sample(file, label));
    }
    return new ImageList(Collections.unmodifiableList(samples), classes);
  }

  private record Entry(String path, String label, String where) {}

  private record Json(List<Entry> entries, List<String> classes) {}

  /**
   * Integer labels name classes {@code 0..max} only if every one of them is used: a mistyped label
   * ({@code 5000000} for {@code 5}) would otherwise make a classifier of millions of classes.
   */
  private static List<String> inferClasses(Path file, List<Entry> entries) {
    Entry largest = null;
    Set<Integer> used = new HashSet<>();
    for (Entry e : entries) {
      Integer index = parseIndex(e.label());
      if (index == null) {
        TreeSet<String> names = new TreeSet<>();
        entries.forEach(x -> names.add(x.label()));
        return checkCount(file, List.copyOf(names));
      }
      used.add(index);
      if (largest == null || index > parseIndex(largest.label())) {
        largest = e;
      }
    }
    int max = parseIndex(largest.label());
    if (max >= Limits.MAX_CLASSES) {
      throw new DatasetException(file, largest.where() + ": label " + max + " would make " + (max + 1L)
          + " classes, more than the limit of " + Limits.MAX_CLASSES + "; is it mistyped?");
    }
    if (used.size() != max + 1) {
      int unused = IntStream.rangeClosed(0, max).filter(i -> !used.contains(i)).findFirst().orElseThrow();
      throw new DatasetException(file, largest.where() + ": label " + max + " makes the classes 0.." + max
          + ", but only " + used.size() + " of them are used (the first unused is " + unused + "); integer labels"
          + " must be dense, or list the class names (a JSON list's \"classes\")");
    }
    return IntStream.rangeClosed(0, max).mapToObj(Integer::toString).toList();
  }

  private static List<String> checkCount(Path file, List<String> classes) {
    if (classes.size() > Limits.MAX_CLASSES) {
      throw new DatasetException(file, classes.size() + " classes, more than the limit of " + Limits.MAX_CLASSES);
    }
    return classes;
  }

  private static Integer parseIndex(String s) {
    if (s.isEmpty() || s.length() > 9 || !s.chars().allMatch(Character::isDigit)) {
      return null;
    }
    return Integer.parseInt(s);
  }

  private static List<Entry> parseCsv(Path file, String text) {
    List<Entry> entries = new ArrayList<>();
    String[] lines = text.split("\r?\n", -1);
    boolean first = true;
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (i == 0 && line.startsWith("\uFEFF")) {
        line = line.substring(1);
      }
      if (line.isBlank() || line.stripLeading().startsWith("#")) {
        continue;
      }
      String where = "line " + (i + 1);
      List<String> fields = splitCsv(file, line, where);
      if (first && HEADER_NAMES.contains(fields.get(0).toLowerCase(Locale.ROOT))) {
        first = false;
        continue;
      }
      first = false;
      if (fields.size() != 2) {
        throw new DatasetException(file, where + ": expected 2 fields (path,label), found " + fields.size());
      }
      if (fields.get(0).isEmpty() || fields.get(1).isEmpty()) {
        throw new DatasetException(file, where + ": empty " + (fields.get(0).isEmpty() ? "path" : "label"));
      }
      entries.add(new Entry(fields.get(0), fields.get(1), where));
    }
    return entries;
  }

  private static List<String> splitCsv(Path file, String line, String where) {
    List<String> fields = new ArrayList<>();
    int i = 0;
    while (true) {
      StringBuilder field = new StringBuilder();
      while (i < line.length() && line.charAt(i) == ' ') {
        i++;
      }
      if (i < line.length() && line.charAt(i) == '"') {
        i++;
        while (true) {
          if (i >= line.length()) {
            throw new DatasetException(file, where + ": unterminated quoted field");
          }
          char c = line.charAt(i++);
          if (c == '"') {
            if (i < line.length() && line.charAt(i) == '"') {
              field.append('"');
              i++;
            } else {
              break;
            }
          } else {
            field.append(c);
          }
        }
        while (i < line.length() && line.charAt(i) == ' ') {
          i++;
        }
        if (i < line.length() && line.charAt(i) != ',') {
          throw new DatasetException(file, where + ": unexpected text after a quoted field at column " + (i + 1));
        }
        fields.add(field.toString());
      } else {
        int comma = line.indexOf(',', i);
        int end = comma < 0 ? line.length() : comma;
        fields.add(line.substring(i, end).strip());
        i = end;
      }
      if (i >= line.length()) {
        return fields;
      }
      i++; // the comma
    }
  }

  private static Json parseJson(Path file, String text) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(text);
    } catch (JsonProcessingException e) {
      throw new DatasetException(file, "invalid JSON at line " + e.getLocation().getLineNr() + ", column "
          + e.getLocation().getColumnNr() + " (" + e.getOriginalMessage() + ")", e);
    }
    List<String> classes = null;
    JsonNode samples = root;
    if (root != null && root.isObject()) {
      samples = root.get("samples");
      JsonNode names = root.get("classes");
      if (names != null) {
        if (!names.isArray() || names.isEmpty()) {
          throw new DatasetException(file, "\"classes\" must be a non-empty array of names");
        }
        classes = new ArrayList<>();
        for (JsonNode n : names) {
          if (!n.isTextual()) {
            throw new DatasetException(file, "\"classes\" must hold strings, found " + n);
          }
          classes.add(n.asText());
        }
        classes = List.copyOf(classes);
      }
    }
    if (samples == null || !samples.isArray()) {
      throw new DatasetException(file, "expected an array of {\"path\", \"label\"} objects, or an object with"
          + " a \"samples\" array");
    }
    List<Entry> entries = new ArrayList<>();
    for (int i = 0; i < samples.size(); i++) {
      JsonNode s = samples.get(i);
      String where = "entry " + i;
      JsonNode path = s.get("path");
      JsonNode label = s.get("label");
      if (!s.isObject() || path == null || !path.isTextual() || path.asText().isEmpty()) {
        throw new DatasetException(file, where + ": expected an object with a \"path\" string, found " + s);
      }
      String labelText;
      if (label != null && label.isTextual() && !label.asText().isEmpty()) {
        labelText = label.asText();
      } else if (label != null && label.canConvertToInt() && label.isIntegralNumber()) {
        labelText = Integer.toString(label.asInt());
        if (label.asInt() < 0) {
          throw new DatasetException(file, where + ": negative label " + label.asInt());
        }
      } else {
        throw new DatasetException(file, where + ": expected a \"label\" (class name or index), found "
            + (label == null ? "none" : label.toString()));
      }
      entries.add(new Entry(path.asText(), labelText, where));
    }
    return new Json(entries, classes);
  }

  private static String abbreviate(List<String> names) {
    return names.size() <= 12 ? names.toString() : names.subList(0, 12) + " and " + (names.size() - 12) + " more";
  }

  @Override
  public int size() {
    return samples.size();
  }

  /** Decodes the image; a file that does not decode throws a {@link DatasetException} naming it. */
  @Override
  public LabeledImage get(int index) {
    ImageFolder.Sample s = samples.get(index);
    return new LabeledImage(ImageFiles.readRgb(s.file()), s.label());
  }

  @Override
  public List<String> classes() {
    return classes;
  }

  /** The image files and their labels, in list order. */
  public List<ImageFolder.Sample> samples() {
    return samples;
  }
}
