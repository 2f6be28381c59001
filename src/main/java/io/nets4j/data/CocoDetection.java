package io.nets4j.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * A detection data set in the COCO format (Lin et al. 2014; the {@code instances_*.json} files):
 * an image folder and a JSON file with {@code images} ({@code id, file_name, width, height}),
 * {@code annotations} ({@code id, image_id, category_id, bbox [x, y, w, h]} in pixels) and
 * {@code categories} ({@code id, name}). Category ids, which need not be contiguous (COCO's run
 * 1..90 for 80 classes), become labels {@code 1..K} in increasing id order; 0 stays the background,
 * as {@link DetectionSample} expects. Crowd annotations ({@code iscrowd: 1}) are skipped.
 *
 * <p>The JSON is checked when the data set is opened: every image file must exist, every
 * annotation must name a known image and category and have a box of positive size inside its
 * image (with 1 pixel of tolerance for rounding); errors name the JSON file and the annotation id.
 * Images are decoded when a sample is read.
 */
public final class CocoDetection implements Dataset<DetectionSample> {
  /** Box overhang beyond the image border that is tolerated (and clipped), in pixels. */
  private static final double EDGE_TOLERANCE = 1.0;
  /** The image folder's name in the layout {@link #write} produces (as the annotation file's sibling). */
  public static final String IMAGES = "images";
  private static final ObjectMapper JSON = new ObjectMapper();

  private record Entry(long id, Path file, int width, int height, List<Box> boxes, List<Integer> labels) {}

  private final Path annotations;
  private final List<Entry> entries;
  private final List<String> classes;
  private final long[] categoryIds;

  private CocoDetection(Path annotations, List<Entry> entries, List<String> classes, long[] categoryIds) {
    this.annotations = annotations;
    this.entries = entries;
    this.classes = classes;
    this.categoryIds = categoryIds;
  }

  /**
   * {@link #open(Path, Path)} with the images in the folder {@value #IMAGES} next to the annotation
   * file, as {@link #write} lays them out.
   */
  public static CocoDetection open(Path annotationsJson) {
    return open(annotationsJson.toAbsolutePath().resolveSibling(IMAGES), annotationsJson);
  }

  /** Reads and checks {@code annotationsJson}; image file names are resolved against {@code imageDir}. */
  public static CocoDetection open(Path imageDir, Path annotationsJson) {
    JsonNode root;
    try {
      root = JSON.readTree(annotationsJson.toFile());
    } catch (IOException e) {
      throw new DatasetException(annotationsJson, "cannot read COCO annotations (" + e.getMessage() + ")", e);
    }
    if (root == null || !root.isObject()) {
      throw new DatasetException(annotationsJson, "not a COCO annotation file (expected a JSON object)");
    }
    TreeMap<Long, String> categories = new TreeMap<>();
    for (JsonNode c : array(root, "categories", annotationsJson)) {
      long id = requiredLong(c, "id", "category", annotationsJson);
      if (categories.put(id, c.path("name").asText("category " + id)) != null) {
        throw new DatasetException(annotationsJson, "category id " + id + " appears twice");
      }
    }
    Map<Long, Integer> labelOf = new HashMap<>();
    long[] categoryIds = new long[categories.size()];
    int next = 0;
    for (long id : categories.keySet()) {
      categoryIds[next] = id;
      labelOf.put(id, ++next);
    }
    Map<Long, Entry> images = new LinkedHashMap<>();
    for (JsonNode im : array(root, "images", annotationsJson)) {
      long id = requiredLong(im, "id", "image", annotationsJson);
      String name = im.path("file_name").asText(null);
      if (name == null) {
        throw new DatasetException(annotationsJson, "image " + id + " has no file_name");
      }
      Path file = imageDir.resolve(name);
      if (!Files.isRegularFile(file)) {
        throw new DatasetException(annotationsJson, "image " + id + ": file " + file + " does not exist");
      }
      long width = requiredLong(im, "width", "image " + id, annotationsJson);
      long height = requiredLong(im, "height", "image " + id, annotationsJson);
      if (width < 1 || height < 1 || width * height > ImageFiles.MAX_PIXELS) {
        throw new DatasetException(annotationsJson, "image " + id + " (" + name + "): size " + width + "x" + height
            + " is not a size of an image (each side at least 1, at most " + ImageFiles.MAX_PIXELS + " pixels)");
      }
      if (images.put(id, new Entry(id, file, (int) width, (int) height, new ArrayList<>(), new ArrayList<>())) != null) {
        throw new DatasetException(annotationsJson, "image id " + id + " appears twice");
      }
    }
    for (JsonNode a : array(root, "annotations", annotationsJson)) {
      long id = requiredLong(a, "id", "annotation", annotationsJson);
      String where = "annotation " + id;
      Entry image = images.get(requiredLong(a, "image_id", where, annotationsJson));
      if (image == null) {
        throw new DatasetException(annotationsJson, where + ": unknown image_id " + a.get("image_id"));
      }
      long category = requiredLong(a, "category_id", where, annotationsJson);
      Integer label = labelOf.get(category);
      if (label == null) {
        throw new DatasetException(annotationsJson, where + " (image " + image.file().getFileName()
            + "): unknown category_id " + category + "; categories are " + categories.keySet());
      }
      if (a.path("iscrowd").asInt(0) == 1) {
        continue;
      }
      image.boxes().add(box(a.get("bbox"), image, where, annotationsJson));
      image.labels().add(label);
    }
    return new CocoDetection(annotationsJson, List.copyOf(images.values()),
        List.copyOf(categories.values()), categoryIds);
  }

  private static Box box(JsonNode bbox, Entry image, String where, Path json) {
    String context = where + " (image " + image.file().getFileName() + ")";
    if (bbox == null || !bbox.isArray() || bbox.size() != 4) {
      throw new DatasetException(json, context + ": bbox must be [x, y, width, height], got " + bbox);
    }
    double[] v = new double[4];
    for (int i = 0; i < 4; i++) {
      if (!bbox.get(i).isNumber() || !Double.isFinite(bbox.get(i).asDouble())) {
        throw new DatasetException(json, context + ": bbox must hold 4 finite numbers, got " + bbox);
      }
      v[i] = bbox.get(i).asDouble();
    }
    if (!(v[2] > 0 && v[3] > 0)) {
      throw new DatasetException(json, context + ": bbox " + bbox + " has no area (width and height must be > 0)");
    }
    if (v[0] < -EDGE_TOLERANCE || v[1] < -EDGE_TOLERANCE || v[0] + v[2] > image.width() + EDGE_TOLERANCE
        || v[1] + v[3] > image.height() + EDGE_TOLERANCE) {
      throw new DatasetException(json, String.format(Locale.ROOT, "%s: bbox %s leaves the %dx%d image", context, bbox,
          image.width(), image.height()));
    }
    float x1 = (float) Math.max(0, v[0]);
    float y1 = (float) Math.max(0, v[1]);
    return new Box(x1, y1, (float) Math.min(image.width(), Math.max(x1, v[0] + v[2])),
        (float) Math.min(image.height(), Math.max(y1, v[1] + v[3])));
  }

  private static Iterable<JsonNode> array(JsonNode root, String field, Path json) {
    JsonNode a = root.get(field);
    if (a == null || !a.isArray()) {
      throw new DatasetException(json, "missing \"" + field + "\" array (COCO instances format)");
    }
    return a;
  }

  private static long requiredLong(JsonNode node, String field, String what, Path json) {
    JsonNode v = node.get(field);
    if (v == null || !v.canConvertToLong()) {
      throw new DatasetException(json, what + ": missing or non-integer \""
          + field + "\" in " + node);
    }
    return v.asLong();
  }

  /** Class names in label order: {@code classes().get(label - 1)}. */
  public List<String> classes() {
    return classes;
  }

  /** The COCO category id of {@code label} (1-based). */
  public long categoryId(int label) {
    return categoryIds[label - 1];
  }

  /** The image file of sample {@code index}. */
  public Path file(int index) {
    return entries.get(index).file();
  }

  /** The annotation file. */
  public Path annotations() {
    return annotations;
  }

  @Override
  public int size() {
    return entries.size();
  }

  @Override
  public DetectionSample get(int index) {
    Entry e = entries.get(index);
    Image image = ImageFiles.readRgb(e.file());
    if (image.width() != e.width() || image.height() != e.height()) {
      throw new DatasetException(e.file(), "is " + image.width() + "x" + image.height() + " but " + annotations
          + " says " + e.width() + "x" + e.height() + " (image " + e.id() + ")");
    }
    return new DetectionSample(image, e.boxes(), e.labels().stream().mapToInt(Integer::intValue).toArray());
  }

  /**
   * Writes {@code data} as a COCO data set: {@code dir/images/000000.png ...} and
   * {@code dir/annotations.json}, with category ids {@code 1..K} named by {@code classes}
   * ({@code classes.get(label - 1)}). Returns the JSON file.
   */
  public static Path write(Dataset<DetectionSample> data, List<String> classes, Path dir) {
    Path imageDir = dir.resolve(IMAGES);
    Path json = dir.resolve("annotations.json");
    ObjectNode root = JSON.createObjectNode();
    ArrayNode images = root.putArray("images");
    ArrayNode annotations = root.putArray("annotations");
    ArrayNode categories = root.putArray("categories");
    for (int k = 0; k < classes.size(); k++) {
      categories.addObject().put("id", k + 1).put("name", classes.get(k));
    }
    try {
      Files.createDirectories(imageDir);
      long annotationId = 1;
      for (int i = 0; i < data.size(); i++) {
        DetectionSample s = data.get(i);
        String name = String.format(Locale.ROOT, "%06d.png", i);
        ImageFiles.writePng(s.image(), imageDir.resolve(name));
        images.addObject().put("id", i).put("file_name", name).put("width", s.image().width())
            .put("height", s.image().height());
        for (int k = 0; k < s.boxes().size(); k++) {
          Box b = s.boxes().get(k);
          int label = s.labels()[k];
          if (label < 1 || label > classes.size()) {
            throw new IllegalArgumentException("sample " + i + ", object " + k + ": label " + label + " has no class name ("
                + classes.size() + " classes)");
          }
          ObjectNode a = annotations.addObject().put("id", annotationId++).put("image_id", i).put("category_id", label);
          a.putArray("bbox").add(b.x1()).add(b.y1()).add(b.width()).add(b.height());
          a.put("area", b.width() * b.height()).put("iscrowd", 0);
        }
      }
      JSON.writerWithDefaultPrettyPrinter().writeValue(json.toFile(), root);
    } catch (IOException e) {
      throw new DatasetException(json, "cannot write (" + e.getMessage() + ")", e);
    }
    return json;
  }
}
