package io.nets4j.cli;

import io.nets4j.data.DetectionSample;
import io.nets4j.data.ShapesDataset;
import io.nets4j.detection.eval.ClassAP;
import io.nets4j.detection.rcnn.FastRCNN;
import io.nets4j.detection.rcnn.RCNN;
import io.nets4j.detection.rcnn.RegionDetector;
import io.nets4j.detection.rcnn.RegionTraining;
import io.nets4j.io.StateDicts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bytedeco.pytorch.global.torch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code nets4j detect-classic}: trains R-CNN, Fast R-CNN or SPPNet (package
 * {@code io.nets4j.detection.rcnn}) on synthetic shapes scenes, evaluates it on held-out scenes
 * with COCO-style mAP and reports the costs the papers compare: training time and seconds per
 * image for the proposals and for the detector.
 */
@Command(name = "detect-classic", mixinStandardHelpOptions = true,
    description = "Train and evaluate R-CNN / Fast R-CNN / SPPNet on shapes scenes (mAP, training time, s/image).")
final class ClassicDetectionCommand implements Callable<Integer> {
  @Option(names = "--model", defaultValue = "fast_rcnn", description = "rcnn, fast_rcnn or sppnet (default: ${DEFAULT-VALUE})")
  String model;

  @Option(names = "--train-images", defaultValue = "200", description = "training scenes (default: ${DEFAULT-VALUE})")
  int trainImages;

  @Option(names = "--test-images", defaultValue = "50", description = "held-out scenes (default: ${DEFAULT-VALUE})")
  int testImages;

  @Option(names = "--size", defaultValue = "64", description = "scene size in pixels (default: ${DEFAULT-VALUE})")
  int size;

  @Option(names = "--steps", defaultValue = "1000", description = "SGD steps (default: ${DEFAULT-VALUE})")
  int steps;

  @Option(names = "--lr", defaultValue = "0.01", description = "initial learning rate (default: ${DEFAULT-VALUE})")
  double lr;

  @Option(names = "--warp", defaultValue = "32", description = "R-CNN warp size (default: ${DEFAULT-VALUE})")
  int warp;

  @Option(names = "--seed", defaultValue = "0", description = "random seed (default: ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--out", description = "write the trained weights here (safetensors)")
  Path out;

  @Override
  public Integer call() throws Exception {
    torch.manual_seed(seed);
    RegionDetector.Config config = RegionDetector.Config.shapes();
    RegionDetector detector = switch (model) {
      case "rcnn" -> new RCNN(config, warp);
      case "fast_rcnn" -> new FastRCNN(config, FastRCNN.Pooling.ROI_MAX);
      case "sppnet" -> new FastRCNN(config, FastRCNN.Pooling.SPP);
      default -> throw new IllegalArgumentException("--model must be rcnn, fast_rcnn or sppnet, got " + model);
    };
    // Train and test scenes come from different seeds of the generator: no image is shared.
    List<DetectionSample> train = samples(ShapesDataset.scenes(trainImages, size, seed), trainImages);
    List<DetectionSample> test = samples(ShapesDataset.scenes(testImages, size, seed + 1_000_003), testImages);
    System.out.printf(Locale.ROOT, "%s: %,d parameters; selective search on %d training scenes %dx%d...%n", model,
        detector.parameterCount(), trainImages, size, size);
    long t0 = System.nanoTime();
    RegionTraining.Data data = RegionTraining.Data.propose(detector, train);
    long t1 = System.nanoTime();
    double proposals = data.proposals().stream().mapToInt(List::size).average().orElse(0);
    System.out.printf(Locale.ROOT, "proposals: %.1f per image, %.3f s per image%n", proposals,
        (t1 - t0) / 1e9 / trainImages);
    int every = Math.max(1, steps / 20);
    List<RegionTraining.Step> log = RegionTraining.train(detector, data, new RegionTraining.Config(steps, lr, 1, seed),
        s -> {
          if (s.step() % every == 0 || s.step() == 1) {
            System.out.printf(Locale.ROOT, "step %d/%d  cls %.4f  box %.4f  (%.0f s)%n", s.step(), steps,
                s.classification(), s.regression(), (System.nanoTime() - t1) / 1e9);
          }
        });
    double trainSeconds = (System.nanoTime() - t1) / 1e9;
    if (out != null) {
      Path parent = out.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      StateDicts.save(detector, out, Map.of("model", model, "size", Integer.toString(size)));
      System.out.println("weights: " + out);
    }
    RegionTraining.Evaluation eval = RegionTraining.evaluate(detector, test);
    System.out.printf(Locale.ROOT, "training: %d steps in %.1f s (%.3f s/step), final loss %.4f%n", steps, trainSeconds,
        trainSeconds / steps, log.get(log.size() - 1).total(1));
    System.out.printf(Locale.ROOT, "test (%d images): mAP@.5 %.3f  mAP@[.5:.95] %.3f  selective search %.3f s/image  "
        + "detector %.3f s/image (%.0f proposals)%n", testImages, eval.metrics().map50(), eval.metrics().map(),
        eval.proposalSeconds(), eval.detectSeconds(), eval.proposals());
    for (int label : eval.metrics().labels()) {
      ClassAP ap = eval.metrics().classAp(label);
      System.out.printf(Locale.ROOT, "  %-8s AP@.5 %.3f  AP %.3f%n", ShapesDataset.SCENE_CLASSES.get(label), ap.ap50(),
          ap.ap());
    }
    System.out.printf(Locale.ROOT, "| %s | %d | %d | %.0f s | %.3f | %.3f | %.3f | %.3f |%n", model, trainImages, steps,
        trainSeconds, eval.proposalSeconds(), eval.detectSeconds(), eval.metrics().map50(), eval.metrics().map());
    return 0;
  }

  private static List<DetectionSample> samples(ShapesDataset data, int count) {
    List<DetectionSample> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(data.detection().get(i));
    }
    return out;
  }
}
