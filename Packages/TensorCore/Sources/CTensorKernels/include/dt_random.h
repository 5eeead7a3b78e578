// Counter-based random numbers: Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy
// as 1, 2, 3", SC 2011), the generator behind cuRAND's and PyTorch's CUDA random numbers.
#ifndef DT_RANDOM_H
#define DT_RANDOM_H
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// One Philox4x32-10 block: encrypts the 128-bit `counter` (4 words, word 0 least significant)
/// under the 64-bit `key` (2 words) into `out` (4 words).
void dt_philox4x32_10(const uint32_t counter[4], const uint32_t key[2], uint32_t out[4]);

#ifdef __cplusplus
}
#endif
#endif
