package io.nets4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.nets4j.tensor.Scope;
import io.nets4j.tensor.Tensors;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.bytedeco.pytorch.InterpolateFuncOptions;
import org.bytedeco.pytorch.LongVector;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.kBilinear;
import org.junit.jupiter.api.Test;

class TransformsTest {
  private static final SplittableRandom RNG = new SplittableRandom(0);

  /** Channel c, row y, column x holds 100c + 10y + x. */
  private static Image ramp(int c, int h, int w) {
    float[] d = new float[c * h * w];
    for (int ch = 0; ch < c; ch++) {
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          d[(ch * h + y) * w + x] = 100 * ch + 10 * y + x;
        }
      }
    }
    return new Image(d, c, h, w);
  }

  private static Image random(int c, int h, int w, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] d = new float[c * h * w];
    for (int i = 0; i < d.length; i++) {
      d[i] = (float) r.nextDouble();
    }
    return new Image(d, c, h, w);
  }

  /** One rectangle of 2-33% of the image, aspect ratio in [0.3, 3.3], filled with noise in every channel. */
  @Test
  void randomErasingReplacesOneRectangle() {
    int h = 20;
    int w = 30;
    Image zeros = new Image(new float[2 * h * w], 2, h, w);
    assertEquals(zeros, Transforms.randomErasing(0).apply(zeros, RNG));
    SplittableRandom random = new SplittableRandom(3);
    for (int trial = 0; trial < 200; trial++) {
      Image erased = Transforms.randomErasing(1).apply(zeros, random);
      int top = h;
      int bottom = -1;
      int left = w;
      int right = -1;
      int changed = 0;
      for (int y = 0; y < h; y++) {
        for (int x = 0; x < w; x++) {
          if (erased.get(0, y, x) != 0) {
            top = Math.min(top, y);
            bottom = Math.max(bottom, y);
            left = Math.min(left, x);
            right = Math.max(right, x);
            changed++;
            assertNotEquals(0f, erased.get(1, y, x), "every channel is erased");
          }
        }
      }
      int eh = bottom - top + 1;
      int ew = right - left + 1;
      assertEquals(eh * ew, changed, "a filled rectangle");
      double fraction = (double) changed / (h * w);
      assertTrue(fraction > 0.01 && fraction < 0.36, "area " + fraction);
      double ratio = (double) eh / ew;
      assertTrue(ratio > 0.2 && ratio < 4.5, "aspect " + ratio);
    }
    assertThrows(IllegalArgumentException.class, () -> Transforms.randomErasing(1.5));
  }

  @Test
  void horizontalFlip() {
    Image img = ramp(2, 2, 3);
    Image flipped = Transforms.horizontalFlip(1).apply(img, RNG);
    assertArrayEquals(new float[] {2, 1, 0, 12, 11, 10, 102, 101, 100, 112, 111, 110}, flipped.data());
    assertEquals(img, Transforms.horizontalFlip(0).apply(img, RNG));
    int flips = 0;
    SplittableRandom r = new SplittableRandom(1);
    for (int i = 0; i < 1000; i++) {
      flips += Transforms.horizontalFlip(0.5).apply(img, r) == img ? 0 : 1;
    }
    assertTrue(flips > 430 && flips < 570, "flipped " + flips + " of 1000");
  }

  @Test
  void centerCropMatchesTorchvisionOffsets() {
    Image img = ramp(1, 5, 6);
    // torchvision: top = round((5 - 2) / 2) = round(1.5) = 2, left = round((6 - 3) / 2) = round(1.5) = 2.
    assertArrayEquals(new float[] {22, 23, 24, 32, 33, 34}, Transforms.centerCrop(2, 3).apply(img, RNG).data());
    // round(0.5) = 0 (half to even).
    assertArrayEquals(new float[] {0, 1, 2, 3, 4, 10, 11, 12, 13, 14, 20, 21, 22, 23, 24, 30, 31, 32, 33, 34},
        Transforms.centerCrop(4, 5).apply(img, RNG).data());
    // Larger than the image: zero padding, (crop - size) / 2 before.
    Image padded = Transforms.centerCrop(3, 4).apply(ramp(1, 1, 1), RNG);
    assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, padded.data());
    Image one = new Image(new float[] {7}, 1, 1, 1);
    assertArrayEquals(new float[] {0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0},
        Transforms.centerCrop(3, 4).apply(one, RNG).data());
  }

  /** {@code predict --size 100000} once wrapped the int size of the output into "Index ... out of bounds". */
  @Test
  void aResizeBeyondThePixelLimitIsRefusedBeforeItsSizeIsComputed() {
    Image img = new Image(new float[3 * 7 * 5], 3, 7, 5);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Transforms.resize(114285).apply(img, RNG));
    assertTrue(e.getMessage().contains("resizing a 5x7 image to 114285x159999 would make more than 67108864 pixels"),
        e.getMessage());
  }

  @Test
  void resizeOfAConstantImageIsConstant() {
    float[] d = new float[3 * 7 * 5];
    Arrays.fill(d, 0.3f);
    Image img = new Image(d, 3, 7, 5);
    for (int[] size : new int[][] {{3, 2}, {14, 10}, {7, 13}, {1, 1}, {20, 3}}) {
      Image out = Transforms.resize(size[0], size[1]).apply(img, RNG);
      assertEquals(size[0], out.height());
      assertEquals(size[1], out.width());
      for (float v : out.data()) {
        assertEquals(0.3f, v, 1e-6f);
      }
    }
    // Shorter side: 7x5 -> 5 is shorter; 8 * 7 / 5 = 11.2 -> 11.
    Image s = Transforms.resize(8).apply(img, RNG);
    assertEquals(11, s.height());
    assertEquals(8, s.width());
  }

  @Test
  void upsamplingIsBilinearWithHalfPixelCentres() {
    Image img = new Image(new float[] {0, 1}, 1, 1, 2);
    assertArrayEquals(new float[] {0, 0.25f, 0.75f, 1}, Transforms.resize(1, 4).apply(img, RNG).data(), 1e-6f);
  }

  /** libtorch's interpolate (bilinear, align_corners=False, with or without antialias) as the reference. */
  private static float[] torchResize(Image img, int h, int w, boolean antialias) {
    try (Scope s = Scope.open()) {
      Tensor x = Tensors.fromFloats(img.data(), 1, img.channels(), img.height(), img.width());
      InterpolateFuncOptions o = new InterpolateFuncOptions();
      o.size().put(new LongVector(h, w));
      o.mode().put(new kBilinear());
      o.align_corners().put(false);
      o.antialias().put(antialias);
      return Tensors.toFloatArray(torch.interpolate(x, o));
    }
  }

  @Test
  void resizeMatchesLibtorch() {
    Image img = random(3, 13, 17, 5);
    // Enlarging: plain bilinear interpolation.
    assertArrayEquals(torchResize(img, 29, 31, false), Transforms.resize(29, 31).apply(img, RNG).data(), 1e-5f);
    // Shrinking: antialiased like torchvision's Resize(antialias=True) (and PIL).
    assertArrayEquals(torchResize(img, 5, 6, true), Transforms.resize(5, 6).apply(img, RNG).data(), 1e-5f);
    assertArrayEquals(torchResize(img, 4, 30, true), Transforms.resize(4, 30).apply(img, RNG).data(), 1e-5f);
    // Without antialiasing the reference differs: the comparison above does tell the two apart.
    float[] aliased = torchResize(img, 5, 6, false);
    float[] ours = Transforms.resize(5, 6).apply(img, RNG).data();
    double diff = 0;
    for (int i = 0; i < ours.length; i++) {
      diff = Math.max(diff, Math.abs(aliased[i] - ours[i]));
    }
    assertTrue(diff > 0.05, "antialiased and plain bilinear shrinking differ by only " + diff);
  }

  @Test
  void randomResizedCrop() {
    Image img = random(3, 40, 60, 1);
    Transform t = Transforms.randomResizedCrop(16);
    Image a = t.apply(img, new SplittableRandom(9));
    assertEquals(16, a.height());
    assertEquals(16, a.width());
    assertArrayEquals(a.data(), t.apply(img, new SplittableRandom(9)).data());
    assertNotEquals(Arrays.hashCode(a.data()), Arrays.hashCode(t.apply(img, new SplittableRandom(10)).data()));
    // Scale 1 and the image's own ratio: the whole image, resized.
    Transform whole = Transforms.randomResizedCrop(20, 30, 1, 1, 1.5, 1.5);
    assertArrayEquals(Transforms.resize(20, 30).apply(img, RNG).data(), whole.apply(img, new SplittableRandom(3)).data(),
        1e-6f);
    // An impossible ratio falls back to the largest central crop within it.
    Image tall = ramp(1, 4, 10);
    Image fallback = Transforms.randomResizedCrop(4, 4, 1, 1, 1, 1).apply(tall, new SplittableRandom(3));
    assertArrayEquals(Transforms.centerCrop(4, 4).apply(tall, RNG).data(), fallback.data());
  }

  @Test
  void affine() {
    Image img = ramp(1, 4, 4);
    assertArrayEquals(img.data(), Transforms.affine(img, 0, 0, 0, 1).data(), 1e-5f);
    // Shift right by 1, down by 2: zeros come in from outside.
    Image shifted = Transforms.affine(img, 0, 1, 2, 1);
    assertArrayEquals(new float[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 10, 11, 12}, shifted.data(), 1e-5f);
    // A quarter turn anticlockwise maps pixel centres onto pixel centres: out[y][x] = in[x][n-1-y].
    Image turned = Transforms.affine(img, Math.PI / 2, 0, 0, 1);
    for (int y = 0; y < 4; y++) {
      for (int x = 0; x < 4; x++) {
        assertEquals(img.get(0, x, 3 - y), turned.get(0, y, x), 1e-4f);
      }
    }
    Transform none = Transforms.randomAffine(0, 0);
    assertArrayEquals(img.data(), none.apply(img, new SplittableRandom(1)).data(), 1e-5f);
    Transform small = Transforms.randomAffine(10, 0.1);
    Image a = small.apply(img, new SplittableRandom(4));
    assertArrayEquals(a.data(), small.apply(img, new SplittableRandom(4)).data());
  }

  @Test
  void colorJitter() {
    float[] grey = new float[3 * 4 * 4];
    Arrays.fill(grey, 0.5f);
    Image flat = new Image(grey, 3, 4, 4);
    Transform jitter = Transforms.colorJitter(0.4, 0.4, 0.4);
    SplittableRandom r = new SplittableRandom(2);
    boolean changed = false;
    for (int i = 0; i < 20; i++) {
      // Contrast and saturation leave a uniform grey image alone; brightness scales it by [0.6, 1.4].
      Image out = jitter.apply(flat, r);
      float v = out.data()[0];
      for (float x : out.data()) {
        assertEquals(v, x, 1e-6f);
      }
      assertTrue(v >= 0.3f - 1e-6f && v <= 0.7f + 1e-6f, "value " + v);
      changed |= Math.abs(v - 0.5f) > 1e-3;
    }
    assertTrue(changed);
    Image bright = Transforms.colorJitter(5, 0, 0).apply(random(3, 8, 8, 3), new SplittableRandom(7));
    for (float x : bright.data()) {
      assertTrue(x >= 0 && x <= 1, "value " + x + " outside [0, 1]");
    }
    // Saturation towards 0 gives each pixel its luma.
    Image colour = new Image(new float[] {1, 0, 0}, 3, 1, 1);
    boolean desaturated = false;
    SplittableRandom r2 = new SplittableRandom(5);
    for (int i = 0; i < 50 && !desaturated; i++) {
      Image out = Transforms.colorJitter(0, 0, 1).apply(colour, r2);
      float spread = Math.max(out.data()[0], Math.max(out.data()[1], out.data()[2]))
          - Math.min(out.data()[0], Math.min(out.data()[1], out.data()[2]));
      desaturated = spread < 0.15;
    }
    assertTrue(desaturated);
  }

  @Test
  void normalizeAndGreyToRgb() {
    Image img = new Image(new float[] {0.5f, 1f, 0f, 0.25f}, 2, 1, 2);
    Image n = Transforms.normalize(new float[] {0.5f, 0.25f}, new float[] {0.5f, 0.25f}).apply(img, RNG);
    assertArrayEquals(new float[] {0, 1, -1, 0}, n.data(), 1e-6f);
    Image single = Transforms.normalize(new float[] {0.5f}, new float[] {2f}).apply(img, RNG);
    assertArrayEquals(new float[] {0, 0.25f, -0.25f, -0.125f}, single.data(), 1e-6f);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Transforms.normalize(Transforms.IMAGENET_MEAN, Transforms.IMAGENET_STD).apply(img, RNG));
    assertTrue(e.getMessage().contains("3 channel means but the image has 2 channels"), e.getMessage());

    Image grey = new Image(new float[] {0.1f, 0.2f}, 1, 1, 2);
    assertArrayEquals(new float[] {0.1f, 0.2f, 0.1f, 0.2f, 0.1f, 0.2f}, Transforms.greyToRgb().apply(grey, RNG).data());
    assertThrows(IllegalArgumentException.class, () -> Transforms.greyToRgb().apply(img, RNG));
  }

  @Test
  void compose() {
    Transform t = Transforms.compose(Transforms.greyToRgb(), Transforms.centerCrop(1, 1),
        Transforms.normalize(new float[] {1}, new float[] {2}));
    Image out = t.apply(new Image(new float[] {0, 5, 0, 0, 9, 0, 0, 0, 0}, 1, 3, 3), RNG);
    assertArrayEquals(new float[] {4, 4, 4}, out.data());
    assertArrayEquals(out.data(), Transforms.greyToRgb().andThen(Transforms.centerCrop(1, 1))
        .andThen(Transforms.normalize(new float[] {1}, new float[] {2}))
        .apply(new Image(new float[] {0, 5, 0, 0, 9, 0, 0, 0, 0}, 1, 3, 3), RNG).data());
  }
}
