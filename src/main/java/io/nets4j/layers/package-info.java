/**
 * Composite layers shared by several model families, by timm's or torchvision's names: the
 * transformer feed-forward network ({@link Mlp}), self-attention with relative position bias,
 * channels-first layer norm, permutes and the classifier head of timm models.
 */
package io.nets4j.layers;
