package io.nets4j.data;

import java.util.Locale;

/**
 * The resampling filters of PIL's {@code Image.resize} that torchvision's and timm's published
 * weights use in their preprocessing ({@code InterpolationMode} in torchvision).
 */
public enum Interpolation {
  NEAREST,
  BILINEAR,
  BICUBIC;

  /** Parses {@code nearest}, {@code bilinear} or {@code bicubic} (any case). */
  public static Interpolation parse(String s) {
    for (Interpolation i : values()) {
      if (i.name().equalsIgnoreCase(s.trim())) {
        return i;
      }
    }
    throw new IllegalArgumentException("unknown interpolation '" + s + "' (expected nearest, bilinear or bicubic)");
  }

  /** The lower-case name torchvision and timm print ({@code bilinear}). */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
