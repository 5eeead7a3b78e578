import FuzzSupport
import MNISTData

/// The file the input is written to for `IDXArray.read(path:)` (a path reader checks the file's
/// size up front and reads the gzip trailer from the end: a different path through the reader).
private let scratch = ScratchFile(name: "input.idx")

/// One input: read it from memory and from a file (raw or gzip, the reader decides by the magic
/// bytes). Properties: no crash; both paths agree; a decoded array re-serializes to an IDX file
/// that decodes to the same array; `LabeledImages` accepts what a valid image file holds, unless
/// the size of one image overflows.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDXReader(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = fuzzBytes(data, size)
    let fromMemory: IDXArray?
    do { fromMemory = try IDXArray.decode(bytes, name: "fuzz-input") } catch { fromMemory = nil }

    scratch.write(bytes)
    let fromFile: IDXArray?
    do { fromFile = try IDXArray.read(path: scratch.path) } catch { fromFile = nil }
    fuzzRequire(fromMemory == fromFile, "IDXArray.decode and IDXArray.read disagree on the same bytes")

    guard let array = fromMemory else { return 0 }
    let reencoded: IDXArray?
    do { reencoded = try IDXArray.decode(array.serialized(), name: "fuzz-reencoded") } catch { reencoded = nil }
    fuzzRequire(reencoded == array, "a decoded IDX array does not survive serialized() → decode")
    fuzzRequire(array.sha256Hex().count == 64, "sha256Hex() is not 64 hex digits")

    if array.elementType == .uint8, array.dimensions.count == 3, array.dimensions[1] > 0, array.dimensions[2] > 0 {
        // A file of no image may declare any image size; one whose height × width overflows is refused.
        let (height, width) = (array.dimensions[1], array.dimensions[2])
        let addressable = !height.multipliedReportingOverflow(by: width).overflow
        let labels = [UInt8](repeating: 0, count: array.dimensions[0])
        let images = try? LabeledImages(height: height, width: width, pixels: array.bytes, labels: labels)
        fuzzRequire(
            (images?.count == array.dimensions[0]) == addressable,
            "LabeledImages accepts an image size that overflows, or rejects a valid uint8 image array")
    }
    return 0
}
