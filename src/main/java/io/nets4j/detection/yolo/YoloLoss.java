package io.nets4j.detection.yolo;

import io.nets4j.data.Box;
import io.nets4j.data.DetectionSample;
import io.nets4j.data.Image;
import io.nets4j.tensor.DType;
import io.nets4j.tensor.Tensors;
import java.util.List;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;

/**
 * The YOLO v1 loss (Redmon et al. 2016, equation 3): a sum of squared errors over the grid,
 * averaged over the images of a batch,
 *
 * <pre>
 *   lambda_coord * sum_ij 1obj_ij [(x - x^)^2 + (y - y^)^2 + (sqrt w - sqrt w^)^2 + (sqrt h - sqrt h^)^2]
 * + sum_ij 1obj_ij (C - C^)^2 + lambda_noobj * sum_ij 1noobj_ij C^2
 * + sum_i 1obj_i sum_c (p(c) - p^(c))^2
 * </pre>
 *
 * <p>An object belongs to the cell that contains its centre; of that cell's B predictors the one
 * whose box has the highest IoU with the object is "responsible" ({@code 1obj_ij}); all other
 * predictors count as {@code 1noobj_ij}. The responsible predictor's confidence target is that IoU
 * (Pr(object) * IoU, the paper's definition; Darknet's {@code rescore}); the class loss applies
 * only to cells with an object. A cell holds one object: when several centres fall in one cell
 * the last one listed wins, as in Darknet's label grid.
 *
 * @param lambdaCoord weight of the box terms (paper: 5)
 * @param lambdaNoobj weight of the confidence of predictors without an object (paper: 0.5)
 */
public record YoloLoss(double lambdaCoord, double lambdaNoobj) {
  /** The paper's weights: lambda_coord 5, lambda_noobj 0.5. */
  public static final YoloLoss PAPER = new YoloLoss(5, 0.5);

  /**
   * Training targets of a batch on the grid.
   *
   * @param object {@code [N, S, S]} 1 where a cell holds an object
   * @param boxes {@code [N, S, S, 4]}: centre offset inside the cell x, y and sqrt w, sqrt h (relative to the image)
   * @param corners {@code [N, S, S, 4]}: the object's box (x1, y1, x2, y2) relative to the image
   * @param classes {@code [N, S, S, C]}: one-hot class of the cell's object
   */
  public record Targets(Tensor object, Tensor boxes, Tensor corners, Tensor classes) {}

  /** The loss and its four terms (the terms as numbers, for logs). */
  public record Parts(Tensor total, double coord, double objectConfidence, double noObjectConfidence,
      double classification) {}

  /** Places the objects of {@code samples} (labels 1..C) on the grid of {@code config}. */
  public static Targets targets(List<DetectionSample> samples, YoloV1.Config config) {
    int s = config.grid();
    int c = config.numClasses();
    int n = samples.size();
    float[] object = new float[n * s * s];
    float[] boxes = new float[n * s * s * 4];
    float[] corners = new float[n * s * s * 4];
    float[] classes = new float[n * s * s * c];
    for (int i = 0; i < n; i++) {
      DetectionSample sample = samples.get(i);
      Image im = sample.image();
      for (int k = 0; k < sample.boxes().size(); k++) {
        Box box = sample.boxes().get(k);
        int label = sample.labels()[k];
        if (label < 1 || label > c) {
          throw new IllegalArgumentException("sample " + i + ", object " + k + ": label " + label + " is outside 1.."
              + c + " (YOLO v1 with C=" + c + ")");
        }
        float x1 = box.x1() / im.width();
        float y1 = box.y1() / im.height();
        float x2 = box.x2() / im.width();
        float y2 = box.y2() / im.height();
        float cx = (x1 + x2) / 2 * s;
        float cy = (y1 + y2) / 2 * s;
        int col = Math.min(s - 1, Math.max(0, (int) Math.floor(cx)));
        int row = Math.min(s - 1, Math.max(0, (int) Math.floor(cy)));
        int cell = (i * s + row) * s + col;
        object[cell] = 1;
        boxes[4 * cell] = cx - col;
        boxes[4 * cell + 1] = cy - row;
        boxes[4 * cell + 2] = (float) Math.sqrt(x2 - x1);
        boxes[4 * cell + 3] = (float) Math.sqrt(y2 - y1);
        corners[4 * cell] = x1;
        corners[4 * cell + 1] = y1;
        corners[4 * cell + 2] = x2;
        corners[4 * cell + 3] = y2;
        java.util.Arrays.fill(classes, cell * c, (cell + 1) * c, 0f);
        classes[cell * c + label - 1] = 1;
      }
    }
    return new Targets(Tensors.fromFloats(object, n, s, s), Tensors.fromFloats(boxes, n, s, s, 4),
        Tensors.fromFloats(corners, n, s, s, 4), Tensors.fromFloats(classes, n, s, s, c));
  }

  /** The loss of {@code output [N, S, S, B * 5 + C]} against {@code targets}. */
  public Parts compute(Tensor output, Targets targets, YoloV1.Config config) {
    int s = config.grid();
    int b = config.boxesPerCell();
    int c = config.numClasses();
    long n = output.size(0);
    if (output.dim() != 4 || output.size(1) != s || output.size(2) != s || output.size(3) != config.cellValues()) {
      throw new IllegalArgumentException("YOLO output must be [N, " + s + ", " + s + ", " + config.cellValues()
          + "], got " + Tensors.describe(output));
    }
    if (targets.object().size(0) != n) {
      throw new IllegalArgumentException("output has " + n + " images, targets " + targets.object().size(0));
    }
    Targets t = onDeviceOf(targets, output);
    Tensor predicted = output.narrow(3, 0, 5L * b).view(n, s, s, b, 5);
    Tensor responsible;
    Tensor iou;
    try (NoGradGuard g = new NoGradGuard()) {
      // IoU of each predictor's box with its cell's object; the best predictor is responsible.
      iou = elementwiseIou(cornerBoxes(output.detach(), config), t.corners().unsqueeze(3));   // [N, S, S, B]
      Tensor best = iou.argmax(new org.bytedeco.pytorch.LongOptional(3), true);
      responsible = torch.zeros_like(iou).scatter(3, best, new Scalar(1.0)).mul(t.object().unsqueeze(3));
    }
    Tensor coordError = predicted.narrow(4, 0, 4).sub(t.boxes().unsqueeze(3)).pow(new Scalar(2)).sum(
        new long[] {4}, false, new org.bytedeco.pytorch.ScalarTypeOptional());
    Tensor coord = coordError.mul(responsible).sum();
    Tensor confidence = predicted.select(4, 4);
    Tensor objConf = confidence.sub(iou).pow(new Scalar(2)).mul(responsible).sum();
    Tensor noobj = confidence.pow(new Scalar(2)).mul(responsible.neg().add(new Scalar(1))).sum();
    Tensor classError = output.narrow(3, 5L * b, c).sub(t.classes()).pow(new Scalar(2)).sum(
        new long[] {3}, false, new org.bytedeco.pytorch.ScalarTypeOptional());
    Tensor cls = classError.mul(t.object()).sum();
    Tensor total = coord.mul(new Scalar(lambdaCoord)).add(objConf).add(noobj.mul(new Scalar(lambdaNoobj))).add(cls)
        .div(new Scalar((double) n));
    return new Parts(total, lambdaCoord * coord.item_double() / n, objConf.item_double() / n,
        lambdaNoobj * noobj.item_double() / n, cls.item_double() / n);
  }

  private static Targets onDeviceOf(Targets t, Tensor output) {
    if (t.object().device().equals(output.device()) && t.object().scalar_type() == output.scalar_type()) {
      return t;
    }
    return new Targets(t.object().to(output), t.boxes().to(output), t.corners().to(output), t.classes().to(output));
  }

  /**
   * The predicted boxes of {@code output [N, S, S, B * 5 + C]} as corners relative to the image,
   * {@code [N, S, S, B, 4]}: centre {@code ((col + x) / S, (row + y) / S)}, size {@code (sqrt w)^2, (sqrt h)^2}.
   */
  static Tensor cornerBoxes(Tensor output, YoloV1.Config config) {
    int s = config.grid();
    int b = config.boxesPerCell();
    long n = output.size(0);
    Tensor p = output.narrow(3, 0, 5L * b).view(n, s, s, b, 5);
    Tensor steps = torch.arange(new Scalar(s), new org.bytedeco.pytorch.TensorOptions(output.device())
        .dtype(new org.bytedeco.pytorch.ScalarTypeOptional(output.scalar_type())));
    Tensor cols = steps.view(1, 1, s, 1);
    Tensor rows = steps.view(1, s, 1, 1);
    Tensor cx = p.select(4, 0).add(cols).div(new Scalar(s));
    Tensor cy = p.select(4, 1).add(rows).div(new Scalar(s));
    Tensor halfW = p.select(4, 2).pow(new Scalar(2)).div(new Scalar(2));
    Tensor halfH = p.select(4, 3).pow(new Scalar(2)).div(new Scalar(2));
    return torch.stack(new TensorVector(cx.sub(halfW), cy.sub(halfH), cx.add(halfW), cy.add(halfH)), 4);
  }

  /** IoU of corresponding boxes {@code [..., 4]} (broadcasting), 0 where the union is empty. */
  static Tensor elementwiseIou(Tensor a, Tensor b) {
    Tensor ix = torch.min(a.select(-1, 2), b.select(-1, 2)).sub(torch.max(a.select(-1, 0), b.select(-1, 0)))
        .clamp_min(new Scalar(0.0));
    Tensor iy = torch.min(a.select(-1, 3), b.select(-1, 3)).sub(torch.max(a.select(-1, 1), b.select(-1, 1)))
        .clamp_min(new Scalar(0.0));
    Tensor inter = ix.mul(iy);
    Tensor areaA = a.select(-1, 2).sub(a.select(-1, 0)).mul(a.select(-1, 3).sub(a.select(-1, 1)));
    Tensor areaB = b.select(-1, 2).sub(b.select(-1, 0)).mul(b.select(-1, 3).sub(b.select(-1, 1)));
    Tensor union = areaA.add(areaB).sub(inter);
    return inter.div(union.clamp_min(new Scalar(1e-12)));
  }
}
