/**
 * Object detection: torchvision's Faster R-CNN with a feature pyramid network ({@link FasterRCNN}:
 * anchors, region proposal network, RoIAlign, box heads, losses), the box operations they share
 * ({@link BoxOps}, {@link BoxCoder}), the {@link Detector} API, training on generated scenes and
 * drawing the detections. The subpackages hold YOLO v1, the R-CNN lineage and COCO evaluation.
 */
package io.nets4j.detection;
