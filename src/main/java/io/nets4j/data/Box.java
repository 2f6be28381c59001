package io.nets4j.data;

/**
 * An axis-aligned box in pixel coordinates, torchvision's {@code (x1, y1, x2, y2)} format: it
 * covers the pixel columns {@code x1 <= x < x2} and rows {@code y1 <= y < y2} (pixel {@code x}
 * spans {@code [x, x + 1)}), so a box around a single pixel has width and height 1.
 */
public record Box(float x1, float y1, float x2, float y2) {
  public Box {
    if (!(x1 <= x2 && y1 <= y2) || !Float.isFinite(x1) || !Float.isFinite(y1) || !Float.isFinite(x2)
        || !Float.isFinite(y2)) {
      throw new IllegalArgumentException("invalid box (" + x1 + ", " + y1 + ", " + x2 + ", " + y2 + ")");
    }
  }

  public float width() {
    return x2 - x1;
  }

  public float height() {
    return y2 - y1;
  }

  /** Whether the pixel at column {@code x}, row {@code y} lies inside. */
  public boolean containsPixel(int x, int y) {
    return x >= x1 && x + 1 <= x2 && y >= y1 && y + 1 <= y2;
  }
}
