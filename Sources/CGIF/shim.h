// giflib 5 (Debian: libgif-dev), plus a reader of in-memory bytes for DGifOpen.
#include <gif_lib.h>
#include <stddef.h>
#include <string.h>

/// The bytes a GIF is read from and the read position.
typedef struct {
    const unsigned char *data;
    size_t size;
    size_t position;
} cgif_memory;

static inline int cgif_memory_read(GifFileType *gif, GifByteType *out, int count) {
    cgif_memory *m = (cgif_memory *)gif->UserData;
    if (count <= 0) return 0;
    size_t left = m->size - m->position;
    size_t n = (size_t)count < left ? (size_t)count : left;
    memcpy(out, m->data + m->position, n);
    m->position += n;
    return (int)n;
}

/// Opens the GIF in `memory` (which must outlive the handle); NULL with `*error` set on failure.
static inline GifFileType *cgif_open_memory(cgif_memory *memory, int *error) {
    return DGifOpen(memory, cgif_memory_read, error);
}
