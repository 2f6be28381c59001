package io.nets4j.models;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nets4j.data.ImageClassificationTransforms;
import io.nets4j.data.Interpolation;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The published weights of the registered classifiers, by the names their reference uses:
 * torchvision's {@code Weights} enums (pytorch/vision 0.14.1, {@code torchvision/models/*.py}) and
 * timm's pretrained tags ({@code default_cfgs} of huggingface/pytorch-image-models, with the
 * accuracies and parameter counts of its {@code results/results-imagenet.csv}).
 *
 * <pre>{@code
 * WeightsInfo w = Weights.of("resnet50", "DEFAULT");     // ResNet50_Weights.IMAGENET1K_V2
 * w.transforms();                                          // resize 232 (bilinear), crop 224, ImageNet mean/std
 * List<WeightsInfo> all = Weights.forModel("vit_b_16");   // IMAGENET1K_V1, IMAGENET1K_SWAG_E2E_V1, ...
 * }</pre>
 *
 * <p>The data is the resource {@code weights.json} next to this class, generated from the
 * references' own metadata; models that no reference publishes weights for (paper-only models,
 * the CIFAR ResNets) have none. Nothing is downloaded.
 */
public final class Weights {
  /** The alias of torchvision's {@code DEFAULT} member (timm's default tag for timm models). */
  public static final String DEFAULT = "DEFAULT";

  private static final String RESOURCE = "weights.json";
  private static final String IMAGENET = "imagenet-1k";
  /** Category lists by the key weights refer to them with ({@code imagenet-1k}); filled before the weights. */
  private static final Map<String, List<String>> CATEGORIES = new LinkedHashMap<>();
  private static final Map<String, List<WeightsInfo>> BY_MODEL = load();

  private Weights() {}

  /** The published weights of a registered model, the reference's order; empty if it has none. */
  public static List<WeightsInfo> forModel(String model) {
    Models.info(model);
    return BY_MODEL.getOrDefault(model, List.of());
  }

  /**
   * The weights {@code name} of {@code model}: the reference's name ({@code IMAGENET1K_V1},
   * {@code convit_tiny.fb_in1k}), its qualified name ({@code ResNet50_Weights.IMAGENET1K_V1}) or
   * {@value #DEFAULT}.
   *
   * @throws UnknownModelException if the model is not registered
   * @throws UnknownWeightsException if it has no weights of that name
   */
  public static WeightsInfo of(String model, String name) {
    List<WeightsInfo> all = forModel(model);
    for (WeightsInfo w : all) {
      if (w.name().equals(name) || w.referenceName().equals(name) || (name.equals(DEFAULT) && w.isDefault())) {
        return w;
      }
    }
    throw new UnknownWeightsException(model, name, all.stream().map(WeightsInfo::name).toList());
  }

  /** The reference's default weights of {@code model}, if it publishes any. */
  public static Optional<WeightsInfo> defaultFor(String model) {
    return forModel(model).stream().filter(WeightsInfo::isDefault).findFirst();
  }

  /**
   * The published weights of {@code model} that {@code file} is, by its SHA-256: torch.hub names
   * published files after the leading hex digits of their digest ({@link WeightsInfo#sha256Prefix()}).
   * Empty when no published file of the model has that digest (a file of one's own, a converted
   * copy, or weights whose reference publishes no digest).
   *
   * @throws UncheckedIOException naming the file if it cannot be read
   */
  public static Optional<WeightsInfo> identify(String model, Path file) {
    List<WeightsInfo> withDigest = forModel(model).stream().filter(w -> w.sha256Prefix().isPresent()).toList();
    if (withDigest.isEmpty()) {
      return Optional.empty();
    }
    String digest = sha256(file);
    return withDigest.stream().filter(w -> digest.startsWith(w.sha256Prefix().orElseThrow())).findFirst();
  }

  private static String sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[1 << 16];
      for (int n; (n = in.read(buffer)) > 0; ) {
        sha.update(buffer, 0, n);
      }
      return HexFormat.of().formatHex(sha.digest());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + " (" + e + ")", e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("this JVM has no SHA-256", e);
    }
  }

  /** The 1000 ImageNet-1k class names in index order, as torchvision's weights metadata lists them. */
  public static List<String> imagenetCategories() {
    return CATEGORIES.get(IMAGENET);
  }

  private static Map<String, List<WeightsInfo>> load() {
    JsonNode root = read(RESOURCE);
    for (Iterator<Map.Entry<String, JsonNode>> it = field(root, "categories", RESOURCE).fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      CATEGORIES.put(e.getKey(), readCategories(e.getValue().asText()));
    }
    if (!CATEGORIES.containsKey(IMAGENET)) {
      throw new IllegalStateException(RESOURCE + ": no '" + IMAGENET + "' category list");
    }
    Map<String, List<WeightsInfo>> byModel = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = field(root, "models", RESOURCE).fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String model = e.getKey();
      JsonNode m = e.getValue();
      String where = RESOURCE + " models." + model;
      if (!Models.contains(model)) {
        throw new IllegalStateException(where + ": not a registered model");
      }
      String reference = text(m, "reference", where);
      String referenceName = text(m, "referenceName", where);
      String defaultName = text(m, "default", where);
      String source = text(m, "source", where);
      List<WeightsInfo> list = new ArrayList<>();
      for (JsonNode w : field(m, "weights", where)) {
        String name = text(w, "name", where + ".weights");
        String at = where + " weights " + name;
        String qualified = reference.equals("torchvision") ? referenceName + "." + name : name;
        list.add(new WeightsInfo(model, name, reference, qualified, name.equals(defaultName), text(w, "url", at),
            optionalText(w, "sha256Prefix"), transforms(w, at), field(w, "numClasses", at).asInt(),
            categories(w, at), accuracy(w, at), parameters(w, at), source));
      }
      if (list.stream().noneMatch(WeightsInfo::isDefault)) {
        throw new IllegalStateException(where + ": default '" + defaultName + "' is not among its weights");
      }
      byModel.put(model, List.copyOf(list));
    }
    return Map.copyOf(byModel);
  }

  private static ImageClassificationTransforms transforms(JsonNode w, String at) {
    try {
      return new ImageClassificationTransforms(field(w, "resize", at).asInt(), field(w, "crop", at).asInt(),
          Interpolation.parse(text(w, "interpolation", at)), doubles(field(w, "mean", at)),
          doubles(field(w, "std", at)));
    } catch (IllegalArgumentException ex) {
      throw new IllegalStateException(at + ": " + ex.getMessage(), ex);
    }
  }

  private static List<String> categories(JsonNode w, String at) {
    JsonNode c = w.get("categories");
    if (c == null || c.isNull()) {
      return List.of();
    }
    List<String> names = CATEGORIES.get(c.asText());
    if (names == null) {
      throw new IllegalStateException(at + ": unknown category list '" + c.asText() + "' (known: "
          + String.join(", ", CATEGORIES.keySet()) + ")");
    }
    return names;
  }

  private static Optional<WeightsInfo.Accuracy> accuracy(JsonNode w, String at) {
    JsonNode a = w.get("accuracy");
    return a == null || a.isNull() ? Optional.empty()
        : Optional.of(new WeightsInfo.Accuracy(field(a, "top1", at).asDouble(), field(a, "top5", at).asDouble()));
  }

  private static Optional<WeightsInfo.ParameterCount> parameters(JsonNode w, String at) {
    JsonNode p = w.get("parameters");
    return p == null || p.isNull() ? Optional.empty()
        : Optional.of(new WeightsInfo.ParameterCount(field(p, "count", at).asLong(), field(p, "unit", at).asLong()));
  }

  private static List<String> readCategories(String resource) {
    JsonNode names = read(resource);
    List<String> out = new ArrayList<>();
    names.forEach(n -> out.add(n.asText()));
    if (out.isEmpty()) {
      throw new IllegalStateException(resource + ": no class names");
    }
    return List.copyOf(out);
  }

  private static JsonNode read(String resource) {
    try (InputStream in = Weights.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("resource " + resource + " is missing from the nets4j jar");
      }
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read resource " + resource + ": " + e.getMessage(), e);
    }
  }

  private static JsonNode field(JsonNode node, String name, String where) {
    JsonNode v = node.get(name);
    if (v == null || v.isNull()) {
      throw new IllegalStateException(where + ": missing '" + name + "'");
    }
    return v;
  }

  private static String text(JsonNode node, String name, String where) {
    return field(node, name, where).asText();
  }

  private static Optional<String> optionalText(JsonNode node, String name) {
    JsonNode v = node.get(name);
    return v == null || v.isNull() ? Optional.empty() : Optional.of(v.asText());
  }

  private static double[] doubles(JsonNode array) {
    double[] out = new double[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asDouble();
    }
    return out;
  }
}
