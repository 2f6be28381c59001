package io.nets4j.detection.eval;

/**
 * Average precision of one class.
 *
 * @param label the class label
 * @param groundTruths ground-truth objects of the class over all images
 * @param detections detections of the class that were evaluated (after the per-image limit)
 * @param ap AP averaged over the IoU thresholds .50:.05:.95 (COCO's primary metric); NaN without ground truth
 * @param ap50 AP at IoU .50 (the PASCAL VOC criterion, with COCO's 101-point interpolation)
 * @param ap75 AP at IoU .75
 * @param recall the recall reached with every detection at IoU .50
 */
public record ClassAP(int label, int groundTruths, int detections, double ap, double ap50, double ap75, double recall) {
  /** Whether the class had ground truth, so that it takes part in the mean. */
  public boolean evaluated() {
    return groundTruths > 0;
  }
}
