"""Makes the reference cases of PreprocessingCasesTest with Debian bookworm's python3-pil (PIL 9.4.0).

Run once from this directory: /usr/bin/python3 make_cases.py
Writes the images (*.png, *.jpg), the expected bytes (*.rgb: PIL's RGB bytes, row-major) and cases.json.
"""
import io, json, struct, zlib
import numpy as np
import PIL
from PIL import Image, ImageOps

assert PIL.__version__ == "9.4.0", PIL.__version__
SKIMAGE = "/usr/lib/python3/dist-packages/skimage/data/"
cases = {"pil": PIL.__version__, "decode": [], "resize": [], "center_crop": []}


def rgb_bytes(img):
    return np.asarray(img.convert("RGB"), dtype=np.uint8).tobytes()


def write_rgb(name, img):
    img = img.convert("RGB")
    with open(name, "wb") as f:
        f.write(rgb_bytes(img))
    return {"file": name, "width": img.size[0], "height": img.size[1]}


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)


def filtered(rows, bpp):
    """Rows filtered with the five PNG filters in turn, so the decoder's unfiltering is exercised."""
    out, prev = b"", bytes(len(rows[0]))
    for i, row in enumerate(rows):
        f = i % 5
        res = bytearray()
        for x in range(len(row)):
            a = row[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            pred = [0, a, b, (a + b) // 2, paeth(a, b, c)][f]
            res.append((row[x] - pred) & 0xFF)
        out += bytes([f]) + bytes(res)
        prev = row
    return out


def pack_row(samples, depth):
    if depth == 16:
        return b"".join(struct.pack(">H", v) for v in samples)
    if depth == 8:
        return bytes(samples)
    bits = "".join(format(v, "0%db" % depth) for v in samples)
    bits += "0" * (-len(bits) % 8)
    return bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))


ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]


def raw_png(name, samples, depth, color, channels, extra=b"", interlace=False):
    """A PNG written by hand (PIL writes neither 16-bit RGB nor Adam7 nor short palettes)."""
    h, w = samples.shape[:2]
    samples = samples.reshape(h, w, channels)
    bpp = max(1, channels * depth // 8)
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    data = b""
    for x0, y0, dx, dy in passes:
        sub = samples[y0::dy, x0::dx]
        if sub.size == 0:
            continue
        rows = [pack_row([int(v) for v in r.reshape(-1)], depth) for r in sub]
        data += filtered(rows, bpp)
    ihdr = struct.pack(">IIBBBBB", w, h, depth, color, 0, 0, 1 if interlace else 0)
    with open(name, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra + chunk(b"IDAT", zlib.compress(data, 9))
                + chunk(b"IEND", b""))


def decode_case(name, note, orientation="as_stored"):
    im = Image.open(name)
    if orientation == "exif":
        im = ImageOps.exif_transpose(im)
    exp = write_rgb(name + "." + orientation + ".rgb", im.convert("RGB"))
    cases["decode"].append({"image": name, "orientation": orientation, "mode": Image.open(name).mode, "note": note,
                            "expected": exp, "lossy": name.endswith(".jpg")})


rng = np.random.default_rng(0)
cat = Image.open(SKIMAGE + "chelsea.png").convert("RGB").resize((61, 47), Image.Resampling.LANCZOS)
cat.save("rgb8.png")
decode_case("rgb8.png", "8-bit RGB")
rgba = cat.copy()
rgba.putalpha(Image.fromarray(rng.integers(0, 256, (47, 61), dtype=np.uint8)))
rgba.save("rgba8.png")
decode_case("rgba8.png", "8-bit RGBA, alpha dropped")
cat.convert("L").save("grey8.png")
decode_case("grey8.png", "8-bit grey")
la = cat.convert("LA")
la.putalpha(Image.fromarray(rng.integers(0, 256, (47, 61), dtype=np.uint8)))
la.save("la8.png")
decode_case("la8.png", "8-bit grey and alpha")
pal = cat.quantize(16)
pal.save("p8.png")
decode_case("p8.png", "palette")
pal.save("p8_trns.png", transparency=bytes(range(0, 256, 16)))
decode_case("p8_trns.png", "palette with tRNS alpha bytes (ignored by convert RGB)")
pal.save("p8_trns1.png", transparency=3)
decode_case("p8_trns1.png", "palette with one transparent index")
grey = np.asarray(cat.convert("L"), dtype=np.int64)
raw_png("grey16.png", grey * 4 + rng.integers(0, 4, grey.shape), 16, 0, 1)
decode_case("grey16.png", "16-bit grey (values 0..1023): mode I, clipped to 255 by convert RGB")
rgb = np.asarray(cat, dtype=np.int64)
raw_png("rgb16.png", rgb * 257 + rng.integers(0, 256, rgb.shape), 16, 2, 3)
decode_case("rgb16.png", "16-bit RGB: high byte")
rgba16 = np.concatenate([rgb * 256 + 255 - rgb, rng.integers(0, 65536, (47, 61, 1))], axis=2)
raw_png("rgba16.png", rgba16, 16, 6, 4)
decode_case("rgba16.png", "16-bit RGBA: high byte, alpha dropped")
la16 = np.stack([grey * 256 + 7, rng.integers(0, 65536, grey.shape)], axis=2)
raw_png("la16.png", la16, 16, 4, 2)
decode_case("la16.png", "16-bit grey and alpha: opens as RGBA, high byte")
for depth in (1, 2, 4):
    raw_png("grey%d.png" % depth, grey >> (8 - depth), depth, 0, 1)
    decode_case("grey%d.png" % depth, "%d-bit grey, scaled to 0..255" % depth)
idx = (grey >> 4).astype(np.int64)
raw_png("p4_short.png", idx, 4, 3, 1, extra=chunk(b"PLTE", bytes(rng.integers(0, 256, 3 * 10, dtype=np.uint8))))
decode_case("p4_short.png", "4-bit palette of 10 entries, indices up to 15 (PIL's grey ramp past the palette)")
raw_png("rgb8_adam7.png", rgb, 8, 2, 3, interlace=True)
decode_case("rgb8_adam7.png", "8-bit RGB, Adam7 interlaced")
raw_png("grey2_adam7.png", grey >> 6, 2, 0, 1, interlace=True)
decode_case("grey2_adam7.png", "2-bit grey, Adam7 interlaced")
cat.save("rgb.jpg", quality=90)
decode_case("rgb.jpg", "baseline JPEG, 4:2:0")
cat.save("progressive.jpg", quality=85, progressive=True)
decode_case("progressive.jpg", "progressive JPEG")
cat.convert("L").save("grey.jpg", quality=90)
decode_case("grey.jpg", "greyscale JPEG")
small = cat.resize((13, 7), Image.Resampling.BILINEAR)
small.save("small.png")
for o in range(1, 9):
    exif = Image.Exif()
    exif[0x0112] = o
    small.save("exif%d.jpg" % o, quality=95, exif=exif.tobytes())
    decode_case("exif%d.jpg" % o, "JPEG with EXIF orientation %d" % o, "exif")
    if o == 6:
        decode_case("exif%d.jpg" % o, "JPEG with EXIF orientation 6, as stored", "as_stored")
exif = Image.Exif()
exif[0x0112] = 8
small.save("exif8.png", exif=exif.tobytes())
decode_case("exif8.png", "PNG with an eXIf chunk, orientation 8", "exif")
decode_case("exif8.png", "PNG with an eXIf chunk, orientation 8, as stored", "as_stored")


def tv_resize(img, size, interp):
    w, h = img.size
    short, long = (w, h) if w <= h else (h, w)
    new_short, new_long = size, int(size * long / short)
    new_w, new_h = (new_short, new_long) if w <= h else (new_long, new_short)
    if (h, w) == (new_h, new_w):
        return img
    return img.resize((new_w, new_h), interp)


def tv_center_crop(img, ch, cw):
    """torchvision 0.14's F.center_crop on a PIL image (padding with ImageOps.expand, fill 0)."""
    iw, ih = img.size
    if cw > iw or ch > ih:
        pad = ((cw - iw) // 2 if cw > iw else 0, (ch - ih) // 2 if ch > ih else 0,
               (cw - iw + 1) // 2 if cw > iw else 0, (ch - ih + 1) // 2 if ch > ih else 0)
        img = ImageOps.expand(img, border=pad, fill=0)
        iw, ih = img.size
        if cw == iw and ch == ih:
            return img
    top = int(round((ih - ch) / 2.0))
    left = int(round((iw - cw) / 2.0))
    return img.crop((left, top, left + cw, top + ch))


MODES = {"nearest": Image.Resampling.NEAREST, "bilinear": Image.Resampling.BILINEAR,
         "bicubic": Image.Resampling.BICUBIC}
sources = {"rgb8.png": cat, "../../../../../shared/fixtures/weights/astronaut.png":
           Image.open("/work/shared/fixtures/weights/astronaut.png").convert("RGB"),
           "../../../../../shared/fixtures/weights/camera.png":
           Image.open("/work/shared/fixtures/weights/camera.png").convert("RGB")}
plan = [("rgb8.png", 23, 20), ("rgb8.png", 90, 85), ("rgb8.png", 47, 40), ("rgb8.png", 30, 30),
        ("../../../../../shared/fixtures/weights/astronaut.png", 97, 90),
        ("../../../../../shared/fixtures/weights/astronaut.png", 700, 8),
        ("../../../../../shared/fixtures/weights/camera.png", 61, 55)]
for src, resize, crop in plan:
    for interp in MODES:
        out = tv_center_crop(tv_resize(sources[src], resize, MODES[interp]), crop, crop)
        base = src.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        name = "%s.%s.%d.%d.rgb" % (base, interp, resize, crop)
        cases["resize"].append({"image": src, "resize": resize, "crop": crop, "interpolation": interp,
                                "expected": write_rgb(name, out)})
for w, h in [(9, 13), (3, 3)]:
    out = tv_center_crop(small, h, w)
    cases["center_crop"].append({"image": "small.png", "crop_width": w, "crop_height": h,
                                 "expected": write_rgb("crop.%dx%d.rgb" % (w, h), out)})
with open("cases.json", "w") as f:
    json.dump(cases, f, indent=1)
