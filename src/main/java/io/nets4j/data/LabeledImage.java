package io.nets4j.data;

/** An image with its class index. */
public record LabeledImage(Image image, int label) {}
