/**
 * Data sets and image input: decoders (PNG, JPEG and others, with PIL's resampling so that
 * preprocessing matches torchvision), torchvision's transforms, the data sets that training reads
 * (MNIST/Fashion-MNIST idx files, CIFAR, image folders and lists, COCO detection, generated shapes
 * and patterns) and the multi-threaded {@link DataLoader} that batches them.
 */
package io.nets4j.data;
