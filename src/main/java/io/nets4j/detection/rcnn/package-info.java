/**
 * The R-CNN lineage before Faster R-CNN: selective search for proposals ({@link SelectiveSearch} on a
 * graph-based segmentation), R-CNN (each warped proposal classified on its own, {@link RCNN}) and
 * Fast R-CNN (one feature map, RoI pooling, {@link FastRCNN}), on a small convolutional backbone.
 */
package io.nets4j.detection.rcnn;
