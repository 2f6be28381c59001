package io.nets4j.cli;

import io.nets4j.data.ImageClassificationTransforms;
import io.nets4j.data.ImageDecoder;
import io.nets4j.data.Interpolation;
import io.nets4j.data.RgbImage;
import io.nets4j.io.SafeTensors;
import io.nets4j.models.Weights;
import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nets4j preprocess (--model M --weights-config NAME | --resize N --crop N --interpolation
 * bilinear|bicubic|nearest [--mean a,b,c --std a,b,c]) [--exif-orientation] --out OUT.safetensors IMAGE}: torchvision's
 * {@code ImageClassification} preprocessing of one image, written as the F32 tensor {@code input}
 * {@code [1, 3, crop, crop]}.
 */
@Command(name = "preprocess", mixinStandardHelpOptions = true, description = {
    "Preprocesses an image exactly as torchvision's weights.transforms() does with PIL: decode to RGB as",
    "PIL.Image.open(f).convert(\"RGB\"), resize the shorter side (PIL's antialiased resampling on uint8),",
    "centre crop, /255, normalise. Writes the float32 tensor `input` [1,3,crop,crop] to a safetensors file."})
final class PreprocessCommand implements Callable<Integer> {
  @Parameters(paramLabel = "IMAGE", description = "a PNG or JPEG (BMP, GIF, TIFF through javax.imageio)") Path image;

  /** With --weights-config. */
  @Mixin ModelOption model = new ModelOption(null);

  /** The safetensors file to write. */
  @Mixin OutOption out = new OutOption();

  @Option(names = "--weights-config", paramLabel = "NAME",
      description = "the preprocessing of this published weight of --model (IMAGENET1K_V2, DEFAULT, a timm tag)") String weightsConfig;

  @Option(names = "--resize", paramLabel = "N", description = "the shorter side after resizing (resize_size)") Integer resize;

  @Option(names = "--crop", paramLabel = "N", description = "the side of the square centre crop (crop_size)") Integer crop;

  @Option(names = "--interpolation", defaultValue = "bilinear", paramLabel = "bilinear|bicubic|nearest",
      description = "PIL's resampling filter (default: ${DEFAULT-VALUE})") String interpolation;

  @Option(names = "--mean", split = ",", paramLabel = "R,G,B", description = "default: ImageNet's 0.485,0.456,0.406") double[] mean;

  @Option(names = "--std", split = ",", paramLabel = "R,G,B", description = "default: ImageNet's 0.229,0.224,0.225") double[] std;

  @Option(names = "--exif-orientation", description = {
      "turn the image upright by its EXIF orientation (ImageOps.exif_transpose); by default it is ignored,",
      "as PIL.Image.open and therefore PyTorch's preprocessing ignore it"}) boolean exifOrientation;

  @Override
  public Integer call() throws IOException {
    Path output = out.required("the safetensors file to write");
    ImageClassificationTransforms t = transforms();
    ImageDecoder.Orientation orientation = exifOrientation ? ImageDecoder.Orientation.EXIF
        : ImageDecoder.Orientation.AS_STORED;
    RgbImage pixels = ImageDecoder.read(image, orientation);
    Path parent = output.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Map<String, String> metadata = new LinkedHashMap<>();
    metadata.put("image", image.toString());
    metadata.put("image_size", pixels.width() + "x" + pixels.height());
    metadata.put("transforms", t.toString());
    metadata.put("exif_orientation", exifOrientation ? "applied" : "ignored");
    try (Scope scope = Scope.open()) {
      Tensor input = t.tensor(pixels);
      SafeTensors.write(output, Map.of("input", input), metadata);
      System.out.println("input " + Tensors.describe(input) + " <- " + image + " (" + pixels.width() + "x"
          + pixels.height() + "; " + t + ") -> " + output);
    }
    return 0;
  }

  /** The preprocessing the options describe. */
  ImageClassificationTransforms transforms() {
    if (weightsConfig != null || model.value != null) {
      if (weightsConfig == null || model.value == null) {
        throw new IllegalArgumentException("--model and --weights-config go together");
      }
      if (resize != null || crop != null || mean != null || std != null) {
        throw new IllegalArgumentException("--weights-config gives the resize, crop, interpolation, mean and std; "
            + "do not give them too");
      }
      return Weights.of(model.value, weightsConfig).transforms();
    }
    if (resize == null || crop == null) {
      throw new IllegalArgumentException("--resize and --crop are required (or --model and --weights-config)");
    }
    double[] m = mean != null ? mean : ImageClassificationTransforms.IMAGENET_MEAN;
    double[] s = std != null ? std : ImageClassificationTransforms.IMAGENET_STD;
    if (m.length != 3 || s.length != 3) {
      throw new IllegalArgumentException("--mean and --std take 3 values (R,G,B), got " + Arrays.toString(m)
          + " and " + Arrays.toString(s));
    }
    return new ImageClassificationTransforms(resize, crop, Interpolation.parse(interpolation), m, s);
  }
}
