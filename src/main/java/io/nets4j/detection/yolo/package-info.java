/**
 * YOLO v1 (Redmon et al. 2016, "You Only Look Once"): the grid detector ({@link YoloV1}), its
 * sum-of-squared-errors loss ({@link YoloLoss}) and the test-time decoding into scored, de-duplicated
 * boxes ({@link YoloDecoder}).
 */
package io.nets4j.detection.yolo;
