// libFuzzer's driver entry (compiler-rt, linked by -sanitize=fuzzer): runs `callback` on
// generated inputs as libFuzzer's own main would, with the same command-line options.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
