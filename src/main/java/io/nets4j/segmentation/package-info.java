/**
 * Semantic segmentation: torchvision's FCN heads on a dilated backbone ({@link FCN}) and the
 * original FCN-32s/16s/8s on VGG-16 ({@link VGGFCN}), their registry
 * ({@link SegmentationModels}), training and evaluation with pixel accuracy and mIoU
 * ({@link SegmentationTraining}, {@link SegmentationMetrics}) and Pascal VOC-style data.
 */
package io.nets4j.segmentation;
