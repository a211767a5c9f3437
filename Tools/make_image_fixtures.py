#!/usr/bin/env python3
"""Writes the small image fixtures of Tests/ImagingTests/Fixtures from one LFW photo.

Every fixture shows the same 100×100 picture (`reference.png`, the centre 200×200 of
Abel_Pacheco_0001 reduced with Pillow's box filter) in another container or pixel layout,
so a test can decode each one and compare it with the reference within a tolerance stated per
fixture in `manifest.json`. Orientation fixtures store the pixels turned the other way and
record the transform that brings them upright (EXIF Orientation, or HEIF irot/imir).

Needs Pillow and pillow-heif (`make fixtures` builds the venv). The outputs are committed; the
tests never run this script.

    python Tools/make_image_fixtures.py --lfw ../shared/data/lfw --out Tests/ImagingTests/Fixtures
"""
import argparse
import io
import json
import os

from PIL import Image
import pillow_heif

SOURCE = "images/Abel_Pacheco/Abel_Pacheco_0001.jpg"
SIZE = 100


def exif_with_orientation(value):
    exif = Image.Exif()
    exif[0x0112] = value
    return exif


def stored_for_orientation(img, orientation):
    """The stored pixels whose display, after `orientation`, is `img` (inverse of the EXIF transform)."""
    inverse = {
        2: Image.Transpose.FLIP_LEFT_RIGHT,
        3: Image.Transpose.ROTATE_180,
        4: Image.Transpose.FLIP_TOP_BOTTOM,
        5: Image.Transpose.TRANSPOSE,
        6: Image.Transpose.ROTATE_90,       # displayed = stored turned 90° clockwise
        7: Image.Transpose.TRANSVERSE,
        8: Image.Transpose.ROTATE_270,
    }
    return img.transpose(inverse[orientation])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lfw", default="../shared/data/lfw")
    ap.add_argument("--out", default="Tests/ImagingTests/Fixtures")
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    pillow_heif.register_heif_opener()

    src = Image.open(os.path.join(args.lfw, SOURCE)).convert("RGB")
    ref = src.crop((25, 25, 225, 225)).resize((SIZE, SIZE), Image.Resampling.BOX)
    manifest = {}

    def save(name, tolerance, writer, note, reference="reference.png"):
        path = os.path.join(args.out, name)
        writer(path)
        # meanAbsDiff: largest allowed mean absolute difference per channel byte against `reference`
        manifest[name] = {"meanAbsDiff": tolerance, "note": note, "reference": reference}

    save("reference.png", 0, lambda p: ref.save(p), "8-bit RGB reference")
    rotated6 = stored_for_orientation(ref, 6)
    rotated3 = stored_for_orientation(ref, 3)
    alpha = Image.linear_gradient("L").resize((SIZE, SIZE)).point(lambda v: 96 + v * 159 // 255)

    # WebP: lossy, lossless, lossless with alpha (colour kept exactly), orientation, animation.
    save("lossy.webp", 4, lambda p: ref.save(p, "WEBP", quality=92), "lossy VP8")
    save("lossless.webp", 0, lambda p: ref.save(p, "WEBP", lossless=True), "lossless VP8L")
    rgba = ref.copy()
    rgba.putalpha(alpha)
    save("alpha.webp", 0, lambda p: rgba.save(p, "WEBP", lossless=True, exact=True), "VP8L with alpha")
    save("orientation6.webp", 0,
         lambda p: rotated6.save(p, "WEBP", lossless=True, exif=exif_with_orientation(6).tobytes()),
         "stored turned, EXIF Orientation 6")
    second = Image.eval(ref, lambda v: 255 - v)
    save("animated.webp", 0,
         lambda p: ref.save(p, "WEBP", lossless=True, save_all=True, append_images=[second], duration=100),
         "two frames; the first is the reference")
    save("photo-named.jpg", 4, lambda p: ref.save(p, "WEBP", quality=92), "a WebP with a .jpg name")

    # HEIC and AVIF (primary image); the orientation one carries irot/imir, not EXIF, after writing.
    save("photo.heic", 5, lambda p: ref.save(p, "HEIF", quality=90), "HEVC")
    save("photo.avif", 5, lambda p: ref.save(p, "AVIF", quality=90), "AV1")
    save("orientation6.heic", 5,
         lambda p: rotated6.save(p, "HEIF", quality=90, exif=exif_with_orientation(6).tobytes()),
         "stored turned; orientation 6 written as HEIF transforms")

    # GIF (palette): still, transparent index, animated (first frame).
    pal = ref.quantize(256, method=Image.Quantize.MEDIANCUT)
    save("still.gif", 6, lambda p: pal.save(p), "256-colour palette")
    save("transparent.gif", 6, lambda p: pal.save(p, transparency=0), "palette index 0 transparent")
    pal2 = second.quantize(256, method=Image.Quantize.MEDIANCUT)
    save("animated.gif", 6, lambda p: pal.save(p, save_all=True, append_images=[pal2], duration=100),
         "two frames; the first is the reference")

    # BMP: 24-bit and 8-bit palette.
    save("rgb24.bmp", 0, lambda p: ref.save(p, "BMP"), "24-bit bottom-up")
    save("palette8.bmp", 6, lambda p: pal.save(p, "BMP"), "8-bit palette")

    # TIFF: RGB (deflate), CMYK, grey+alpha is compared as grey, orientation tag, 16-bit grey.
    save("rgb.tiff", 0, lambda p: ref.save(p, "TIFF", compression="tiff_adobe_deflate"), "8-bit RGB, deflate")
    save("cmyk.tiff", 2, lambda p: ref.convert("CMYK").save(p, "TIFF", compression="tiff_adobe_deflate"),
         "CMYK, naive inversion as Pillow writes it")
    save("orientation3.tiff", 0,
         lambda p: rotated3.save(p, "TIFF", compression="tiff_adobe_deflate", tiffinfo={274: 3}),
         "stored turned 180°, Orientation tag 3")
    grey = ref.convert("L")
    la = grey.copy().convert("LA")
    la.putalpha(alpha)
    save("grey-alpha.tiff", 0, lambda p: la.save(p, "TIFF", compression="tiff_adobe_deflate"),
         "grey + alpha", "grey-reference.png")
    save("grey-reference.png", 0, lambda p: grey.save(p), "8-bit grey reference for the grey fixtures",
         "grey-reference.png")
    grey16 = grey.point(lambda v: v * 257, "I").convert("I;16")
    save("grey16.tiff", 0, lambda p: grey16.save(p, "TIFF"), "16-bit grey", "grey-reference.png")

    # PNG: grey + alpha, EXIF orientation in an eXIf chunk.
    save("grey-alpha.png", 0, lambda p: la.save(p), "grey + alpha", "grey-reference.png")
    save("orientation6.png", 0, lambda p: rotated6.save(p, exif=exif_with_orientation(6)),
         "stored turned, eXIf Orientation 6")

    # JPEG: CMYK (Pillow writes Adobe-inverted CMYK) and a plain one for the HEIF/WebP comparisons.
    save("cmyk.jpg", 6, lambda p: ref.convert("CMYK").save(p, "JPEG", quality=95), "CMYK JPEG")
    save("orientation8.jpg", 6,
         lambda p: stored_for_orientation(ref, 8).save(p, "JPEG", quality=95, exif=exif_with_orientation(8)),
         "stored turned, EXIF Orientation 8")

    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1, sort_keys=True)
        f.write("\n")
    total = sum(os.path.getsize(os.path.join(args.out, n)) for n in manifest)
    print(f"{len(manifest)} fixtures, {total} bytes, in {args.out}")


if __name__ == "__main__":
    main()
