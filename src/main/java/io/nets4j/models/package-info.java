/**
 * The image classifiers of torchvision and timm (ResNet and its relatives, classic and efficient
 * CNNs, vision transformers, Swin, ConvNeXt, CoAtNet and others), created by name from the registry
 * ({@link Models#create(String)}) as an {@link ImageClassifier}, with the published weights of each
 * ({@link Weights}: preprocessing, top-1/top-5, URL and SHA-256) and its feature maps for dense
 * prediction ({@link FeatureInfo}).
 */
package io.nets4j.models;
