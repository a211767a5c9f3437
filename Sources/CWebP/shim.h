// libwebp's decoder and demuxer (Debian: libwebp-dev).
#include <webp/decode.h>
#include <webp/demux.h>
