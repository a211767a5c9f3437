// libheif: HEIC (HEVC) and AVIF (AV1) still images (Debian: libheif-dev; libheif1 carries the
// libde265 and dav1d/aom decoders).
#include <libheif/heif.h>
