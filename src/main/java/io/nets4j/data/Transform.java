package io.nets4j.data;

import java.util.random.RandomGenerator;

/**
 * A per-sample image transform in plain Java (decoding, resizing and augmentation run in loader
 * worker threads, away from libtorch). Random transforms draw only from {@code random}, which the
 * {@link DataLoader} seeds from (seed, epoch, sample index): the same run sees the same
 * augmentations, whatever the number of workers, also when resumed at an epoch.
 * Implementations must not modify their input.
 */
@FunctionalInterface
public interface Transform {
  Image apply(Image image, RandomGenerator random);

  /** This transform, then {@code next}. */
  default Transform andThen(Transform next) {
    return (image, random) -> next.apply(apply(image, random), random);
  }
}
