package io.nets4j.models;

/**
 * What the registry knows of a model without building it.
 *
 * @param name the registry name, as in torchvision or timm ({@code resnet50})
 * @param family the family ({@code ResNet})
 * @param reference where its structure and parameter names come from ({@code torchvision}, {@code timm}, a paper)
 * @param inputSize the native input resolution (square)
 * @param paper the paper that introduced the architecture
 */
public record ModelInfo(String name, String family, String reference, int inputSize, String paper) {}
