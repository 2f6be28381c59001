package io.nets4j.cli;

import io.nets4j.data.Image;
import io.nets4j.data.ImageFiles;
import io.nets4j.data.ShapesDataset;
import io.nets4j.io.LoadMode;
import io.nets4j.io.StateDicts;
import io.nets4j.models.ImageClassifier;
import io.nets4j.models.Models;
import io.nets4j.models.SwinTransformer;
import io.nets4j.visual.AttentionImages;
import io.nets4j.visual.SwinWindow;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code nets4j attention MODEL [--image FILE] [--weights FILE.safetensors] [--out DIR]
 * [--method rollout|last] [--window N] [--query R,C] [--layer PATH]}: draws a vision transformer's
 * attention over an image as PNG heatmaps (see {@link AttentionImages}).
 */
@Command(name = "attention", mixinStandardHelpOptions = true, description = {
    "Draw a vision transformer's attention over an image as PNG heatmaps:",
    "ViT, LocalViT, ConViT, CvT: the class token's attention to the patches (attention rollout or the last layer);",
    "Swin: one window's attention (a query token's, or the mean over the window's queries).",
    "Randomly initialised models attend almost uniformly: pass trained weights with --weights",
    "(a torchvision/timm state_dict saved as safetensors, e.g. with safetensors.torch.save_file(model.state_dict(), f))."})
final class AttentionCommand implements Callable<Integer> {
  /** Seed and size of the generated image used without --image. */
  static final long TEST_IMAGE_SEED = 7;

  @Parameters(paramLabel = "MODEL", description = "a registered vision transformer (see `nets4j list`)") String model;

  @Option(names = "--image", paramLabel = "FILE", description = "a PNG/JPEG image (default: a generated image of shapes)") Path image;

  @Mixin WeightsOption weights = new WeightsOption();

  @Mixin OutOption out = new OutOption("attention");

  @Option(names = "--method", paramLabel = "rollout|last", defaultValue = "rollout",
      description = "class-token models: attention rollout through all layers, or the last layer (default: ${DEFAULT-VALUE})") String method;

  @Option(names = "--window", paramLabel = "N", defaultValue = "0",
      description = "Swin: the window, row-major (default: ${DEFAULT-VALUE})") int window;

  @Option(names = "--query", split = ",", paramLabel = "R,C",
      description = "Swin: row and column of the query token in the window (default: mean over the window's queries)") int[] query;

  @Option(names = "--layer", paramLabel = "PATH", description = "Swin: the attention module (default: features.5.0.attn)") String layer;

  @Override
  public Integer call() throws IOException {
    AttentionImages.Method m = AttentionImages.Method.parse(method);
    ImageClassifier net = Models.create(model);
    if (!(net instanceof SwinTransformer) && !AttentionImages.hasClassToken(net)) {
      throw new IllegalArgumentException(model + " (" + net.typeName() + ") has neither a class token nor Swin windows;"
          + " supported: ViT, LocalViT, ConViT, CvT, Swin");
    }
    if (weights.value != null) {
      System.out.println(StateDicts.load(net, weights.value, LoadMode.STRICT, true));
    } else {
      System.out.println("note: random weights (no --weights): the maps show an untrained model");
    }
    int size = Models.info(model).inputSize();
    Image source = image != null ? ImageFiles.readRgb(image) : ShapesDataset.scenes(1, size, TEST_IMAGE_SEED).get(0).image();
    Image view = AttentionImages.modelView(source, size);
    Map<String, Tensor> maps = AttentionImages.record(net, view);
    Files.createDirectories(out.value);
    write(view, out.value.resolve(model + "_input.png"));
    if (net instanceof SwinTransformer) {
      String path = layer != null ? layer : AttentionImages.defaultSwinLayer(maps);
      int q = -1;
      if (query != null) {
        if (query.length != 2) {
          throw new IllegalArgumentException("--query takes R,C, got " + query.length + " numbers");
        }
        int ws = (int) Math.round(Math.sqrt(maps.get(path) == null ? 0 : maps.get(path).size(-1)));
        if (query[0] < 0 || query[1] < 0 || query[0] >= ws || query[1] >= ws) {
          throw new IllegalArgumentException("--query " + query[0] + "," + query[1] + " is outside the " + ws + "x" + ws
              + " window");
        }
        q = query[0] * ws + query[1];
      }
      Image img = AttentionImages.swinWindowImage(view, maps, path, window, q);
      int ws = (int) Math.round(Math.sqrt(maps.get(path).size(-1)));
      System.out.println(path + ": " + AttentionImages.describe(SwinWindow.of(path, size, ws, window))
          + (q < 0 ? ", mean over queries" : ", query token " + q));
      write(img, out.value.resolve(model + "_" + path.replace('.', '_') + "_window" + window + ".png"));
    } else {
      Image img = AttentionImages.classTokenImage(view, maps, m);
      System.out.println((m == AttentionImages.Method.ROLLOUT ? "rollout over " : "the last of ") + maps.size()
          + " attention layers");
      write(img, out.value.resolve(model + "_" + m.name().toLowerCase() + ".png"));
    }
    return 0;
  }

  private static void write(Image img, Path file) {
    ImageFiles.writePng(img, file);
    System.out.println("wrote " + file + " (" + img.width() + "x" + img.height() + ")");
  }
}
