import FuzzSupport
import TensorCore

/// The file the input is written to for the path-based readers.
private let scratch = ScratchFile(name: "input.safetensors")

/// One input: decode it from memory, read it from a file, read only its header. Properties: no
/// crash; all three agree; a decoded file re-encodes (as F32) to bytes that decode to the same
/// names, shapes, values and metadata.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafeTensors(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = fuzzBytes(data, size)
    let decoded: SafeTensorsFile?
    do { decoded = try SafeTensors.decode(bytes, source: "fuzz-input") } catch { decoded = nil }

    scratch.write(bytes)
    let read: SafeTensorsFile?
    do { read = try SafeTensors.read(scratch.path) } catch { read = nil }
    let header: SafeTensorsHeader?
    do { header = try SafeTensors.readHeader(scratch.path) } catch { header = nil }

    fuzzRequire(
        (decoded == nil) == (read == nil), "SafeTensors.decode and SafeTensors.read disagree on whether the bytes are valid")
    guard let decoded, let read else { return 0 }
    fuzzRequire(header == decoded.header && read.header == decoded.header, "the three readers return different headers")
    fuzzRequire(sameContent(decoded, read), "SafeTensors.decode and SafeTensors.read return different tensors")

    let reencoded: SafeTensorsFile?
    do {
        reencoded = try SafeTensors.decode(
            SafeTensors.encode(decoded.tensors, metadata: decoded.metadata), source: "fuzz-reencoded")
    } catch {
        reencoded = nil
    }
    fuzzRequire(reencoded.map { sameContent($0, decoded) } ?? false, "a decoded file does not survive encode → decode")
    return 0
}

/// Same metadata, names, shapes and bit patterns (NaN payloads included).
private func sameContent(_ a: SafeTensorsFile, _ b: SafeTensorsFile) -> Bool {
    guard a.metadata == b.metadata, Set(a.tensors.keys) == Set(b.tensors.keys) else { return false }
    for (name, tensor) in a.tensors {
        guard let other = b.tensors[name], other.shape == tensor.shape,
            other.scalars.map(\.bitPattern) == tensor.scalars.map(\.bitPattern)
        else { return false }
    }
    return true
}
