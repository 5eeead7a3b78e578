/// NVIDIA GPU support for TensorCore through the CUDA driver API, loaded at run time.
public enum CUDABackend {}
