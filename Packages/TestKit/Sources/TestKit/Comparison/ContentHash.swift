import TensorCore

/// A 64-bit hash of a tensor's shape and the bit patterns of its elements: equal tensors hash
/// equally on every run and machine, so it can key a table of samples (the leakage check).
/// Different tensors may collide; confirm a match by comparing the elements.
public func contentHash(_ tensor: Tensor) -> UInt64 {
    contentHash(shape: tensor.shape, scalars: tensor.scalars)
}

/// ``contentHash(_:)`` of host values with their shape.
public func contentHash(shape: [Int], scalars: [Float]) -> UInt64 {
    // One multiply-xorshift round per 32-bit word (splitmix64's constants): fast enough to hash
    // every sample of a dataset, well mixed enough that collisions are rare.
    var hash: UInt64 = 0x243F_6A88_85A3_08D3
    @inline(__always) func mix(_ word: UInt64) {
        hash = (hash ^ word) &* 0x9E37_79B9_7F4A_7C15
        hash ^= hash >> 29
    }
    mix(UInt64(shape.count))
    for d in shape { mix(UInt64(bitPattern: Int64(d))) }
    scalars.withUnsafeBufferPointer { values in
        for x in values { mix(UInt64(x.bitPattern)) }
    }
    hash ^= hash >> 32
    return hash &* 0xBF58_476D_1CE4_E5B9
}
