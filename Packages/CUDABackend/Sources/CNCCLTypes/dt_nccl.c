// The target is the header include/dt_nccl.h; SwiftPM needs one source file to build a C target.
#include "dt_nccl.h"
