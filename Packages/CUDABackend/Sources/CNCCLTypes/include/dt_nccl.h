// NCCL's types that Swift must pass by value with the C calling convention. Only the layout is
// declared here: NCCL itself (libnccl.so.2) is opened at run time with dlopen, never linked.
#ifndef DT_NCCL_H
#define DT_NCCL_H

/// `ncclUniqueId` (nccl.h, NCCL_UNIQUE_ID_BYTES = 128): the opaque bootstrap address that rank 0
/// creates and every rank passes, by value, to `ncclCommInitRank`.
typedef struct dt_nccl_unique_id {
    char internal[128];
} dt_nccl_unique_id;

#endif
