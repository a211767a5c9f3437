// libtiff 4.5 (Debian: libtiff-dev), plus a client that reads in-memory bytes and keeps the
// first error message instead of printing it.
#include <tiffio.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/// The bytes a TIFF is read from, the read position, and the first error libtiff reported.
typedef struct {
    const unsigned char *data;
    toff_t size;
    toff_t position;
    char error[256];
} ctiff_memory;

static inline tmsize_t ctiff_read(thandle_t h, void *out, tmsize_t count) {
    ctiff_memory *m = (ctiff_memory *)h;
    if (count <= 0 || m->position >= m->size) return 0;
    toff_t left = m->size - m->position;
    toff_t n = (toff_t)count < left ? (toff_t)count : left;
    memcpy(out, m->data + m->position, (size_t)n);
    m->position += n;
    return (tmsize_t)n;
}

static inline tmsize_t ctiff_write(thandle_t h, void *in, tmsize_t count) {
    (void)h; (void)in; (void)count;
    return -1;
}

static inline toff_t ctiff_seek(thandle_t h, toff_t offset, int whence) {
    ctiff_memory *m = (ctiff_memory *)h;
    toff_t base = whence == SEEK_CUR ? m->position : whence == SEEK_END ? m->size : 0;
    m->position = base + offset;
    return m->position;
}

static inline int ctiff_close(thandle_t h) { (void)h; return 0; }
static inline toff_t ctiff_size(thandle_t h) { return ((ctiff_memory *)h)->size; }
static inline int ctiff_map(thandle_t h, void **base, toff_t *size) { (void)h; (void)base; (void)size; return 0; }
static inline void ctiff_unmap(thandle_t h, void *base, toff_t size) { (void)h; (void)base; (void)size; }

static inline int ctiff_error(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif; (void)module;
    ctiff_memory *m = (ctiff_memory *)user;
    if (m->error[0] == 0) vsnprintf(m->error, sizeof m->error, fmt, ap);
    return 1;
}

static inline int ctiff_warning(TIFF *tif, void *user, const char *module, const char *fmt, va_list ap) {
    (void)tif; (void)user; (void)module; (void)fmt; (void)ap;
    return 1;
}

/// Opens the TIFF in `memory` (which must outlive the handle) for reading; errors go to
/// `memory->error`, warnings are dropped, and no single allocation may exceed `max_alloc` bytes.
static inline TIFF *ctiff_open_memory(ctiff_memory *memory, const char *name, tmsize_t max_alloc) {
    TIFFOpenOptions *opts = TIFFOpenOptionsAlloc();
    if (!opts) return NULL;
    TIFFOpenOptionsSetMaxSingleMemAlloc(opts, max_alloc);
    TIFFOpenOptionsSetErrorHandlerExtR(opts, ctiff_error, memory);
    TIFFOpenOptionsSetWarningHandlerExtR(opts, ctiff_warning, memory);
    TIFF *tif = TIFFClientOpenExt(name, "rm", (thandle_t)memory, ctiff_read, ctiff_write, ctiff_seek,
                                  ctiff_close, ctiff_size, ctiff_map, ctiff_unmap, opts);
    TIFFOpenOptionsFree(opts);
    return tif;
}

/// The TIFF Orientation tag of the current directory (1 when absent).
static inline int ctiff_orientation(TIFF *tif) {
    uint16_t value = 1;
    TIFFGetFieldDefaulted(tif, TIFFTAG_ORIENTATION, &value);
    return value;
}

/// Width and length of the current directory; 0 when missing.
static inline void ctiff_size_of(TIFF *tif, uint32_t *width, uint32_t *height) {
    *width = 0; *height = 0;
    TIFFGetField(tif, TIFFTAG_IMAGEWIDTH, width);
    TIFFGetField(tif, TIFFTAG_IMAGELENGTH, height);
}
