/**
 * COCO-style evaluation of detections (the definitions of pycocotools' {@code COCOeval}): average
 * precision per class and IoU threshold, mAP, mAP@0.5 and recall ({@link DetectionEvaluator},
 * {@link DetectionMetrics}).
 */
package io.nets4j.detection.eval;
