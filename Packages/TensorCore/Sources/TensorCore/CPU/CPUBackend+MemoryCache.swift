import CTensorKernels

/// The CPU backend's buffer cache: freed tensor buffers of 16 KiB and more are kept, by size class
/// (four classes per power of two), and handed out again to later tensors of the same class.
///
/// Training allocates the same large activations and gradients every step; without the cache each
/// of them would be fresh memory from the operating system, paid for with a page fault per 4 KiB
/// on first touch. Cached memory stays reserved by the process until released; ``memoryCacheLimit``
/// bounds it.
extension CPUBackend {
    /// The most bytes the cache keeps in free blocks (default 1 GiB, or `DEEPTRUST_CPU_CACHE_MB`
    /// megabytes from the environment). Setting it frees cached blocks above the new limit; 0
    /// turns caching off. Memory held by live tensors is not counted and never limited.
    public static var memoryCacheLimit: Int {
        get { Int(clamping: dt_cache_limit_bytes()) }
        set { dt_cache_set_limit_bytes(size_t(max(newValue, 0))) }
    }

    /// Bytes currently held in free blocks by the cache.
    public static var cachedMemoryBytes: Int { Int(clamping: dt_cache_cached_bytes()) }

    /// Frees every cached block (for example after training, before a memory-hungry phase).
    public static func releaseCachedMemory() { dt_cache_release() }
}
