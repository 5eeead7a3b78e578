/// One record of a TensorBoard event file: the `tensorflow.Event` protobuf message, reduced to the
/// parts this project writes (file version, scalar and image summaries).
///
/// Field numbers follow tensorflow/core/util/event.proto and summary.proto: Event has
/// wall_time = 1 (double, seconds since 1970), step = 2 (int64), file_version = 3 (string) and
/// summary = 5; Summary has repeated value = 1; Summary.Value has tag = 1, simple_value = 2 (float)
/// and image = 4; Summary.Image has height = 1, width = 2, colorspace = 3, encoded_image_string = 4.
public struct TensorBoardEvent: Equatable, Sendable {
    /// What the event carries.
    public enum Content: Equatable, Sendable {
        /// The first record of a file, `"brain.Event:2"`.
        case fileVersion(String)
        /// Scalars and images logged at one step.
        case summary([SummaryValue])
        /// A kind of event this reader does not interpret (graphs, log messages, …).
        case other
    }

    /// Seconds since 1970-01-01 UTC.
    public var wallTime: Double
    /// The training step the event belongs to.
    public var step: Int64
    /// What the event carries: the file version, a summary, or something else.
    public var content: Content

    /// An event at `wallTime` (seconds since 1970) and `step` carrying `content`.
    public init(wallTime: Double, step: Int64, content: Content) {
        self.wallTime = wallTime
        self.step = step
        self.content = content
    }

    /// The file version every event file starts with.
    public static let fileVersion = "brain.Event:2"
}

/// One tagged value of a summary.
public struct SummaryValue: Equatable, Sendable {
    /// The value itself.
    public enum Kind: Equatable, Sendable {
        /// `simple_value`: a scalar.
        case scalar(Float)
        /// An encoded image.
        case image(SummaryImage)
        /// A kind this reader does not interpret (histograms, audio, tensors).
        case other
    }

    /// The series name, e.g. `"train/loss"`.
    public var tag: String
    /// The value: a scalar, an image, or a kind this reader does not interpret.
    public var kind: Kind

    /// The value `kind` under `tag`.
    public init(tag: String, kind: Kind) {
        self.tag = tag
        self.kind = kind
    }
}

/// An image summary: dimensions in pixels, TensorBoard's colorspace code and the PNG bytes.
public struct SummaryImage: Equatable, Sendable {
    /// Rows of pixels.
    public var height: Int
    /// Columns of pixels.
    public var width: Int
    /// 1 grayscale, 2 grayscale + alpha, 3 RGB, 4 RGBA.
    public var colorspace: Int
    /// The encoded image (PNG).
    public var encodedImage: [UInt8]

    /// An image summary of `height × width` pixels; `colorspace` is the channel count (1–4) and
    /// `encodedImage` the PNG file's bytes. Nothing is checked: the fields are written as given.
    public init(height: Int, width: Int, colorspace: Int, encodedImage: [UInt8]) {
        self.height = height
        self.width = width
        self.colorspace = colorspace
        self.encodedImage = encodedImage
    }
}

// MARK: - Encoding

extension TensorBoardEvent {
    /// The protobuf encoding of the event. As proto3 serializers do, fields holding their default
    /// value (0, empty) are left out, so the bytes match TensorFlow's and TensorBoard's writers.
    func encoded() -> [UInt8] {
        var event = ProtobufWriter()
        if wallTime != 0 { event.double(1, wallTime) }
        if step != 0 { event.int(2, step) }
        switch content {
        case .fileVersion(let version):
            event.string(3, version)
        case .summary(let values):
            var summary = ProtobufWriter()
            for value in values {
                summary.bytes(1, value.encoded())
            }
            event.bytes(5, summary.bytes)
        case .other:
            break
        }
        return event.bytes
    }
}

extension SummaryValue {
    fileprivate func encoded() -> [UInt8] {
        var value = ProtobufWriter()
        if !tag.isEmpty { value.string(1, tag) }
        switch kind {
        case .scalar(let number):
            value.float(2, number)
        case .image(let image):
            var encodedImage = ProtobufWriter()
            if image.height != 0 { encodedImage.int(1, Int64(image.height)) }
            if image.width != 0 { encodedImage.int(2, Int64(image.width)) }
            if image.colorspace != 0 { encodedImage.int(3, Int64(image.colorspace)) }
            if !image.encodedImage.isEmpty { encodedImage.bytes(4, image.encodedImage) }
            value.bytes(4, encodedImage.bytes)
        case .other:
            break
        }
        return value.bytes
    }
}

// MARK: - Decoding

extension TensorBoardEvent {
    /// Parses an `Event` message; fields other than the ones described above are skipped.
    static func decode(_ bytes: ArraySlice<UInt8>) throws(ProtobufError) -> TensorBoardEvent {
        var reader = ProtobufReader(bytes)
        var event = TensorBoardEvent(wallTime: 0, step: 0, content: .other)
        while let (field, value) = try reader.next() {
            switch (field, value) {
            case (1, .fixed64(let bits)): event.wallTime = Double(bitPattern: bits)
            case (2, .varint(let raw)): event.step = Int64(bitPattern: raw)
            case (3, .lengthDelimited(let text)): event.content = .fileVersion(String(decoding: text, as: UTF8.self))
            case (5, .lengthDelimited(let summary)): event.content = .summary(try decodeSummary(summary))
            case (1...3, _), (5, _): throw ProtobufError(offset: 0, reason: "Event field \(field) has the wrong wire type")
            case (4, _), (6...9, _): event.content = .other  // graph_def, log_message, session_log, …
            default: continue
            }
        }
        return event
    }

    private static func decodeSummary(_ bytes: ArraySlice<UInt8>) throws(ProtobufError) -> [SummaryValue] {
        var reader = ProtobufReader(bytes)
        var values: [SummaryValue] = []
        while let (field, value) = try reader.next() {
            guard field == 1 else { continue }
            guard case .lengthDelimited(let message) = value else {
                throw ProtobufError(offset: 0, reason: "Summary.value has the wrong wire type")
            }
            values.append(try decodeValue(message))
        }
        return values
    }

    private static func decodeValue(_ bytes: ArraySlice<UInt8>) throws(ProtobufError) -> SummaryValue {
        var reader = ProtobufReader(bytes)
        var result = SummaryValue(tag: "", kind: .other)
        while let (field, value) = try reader.next() {
            switch (field, value) {
            case (1, .lengthDelimited(let text)): result.tag = String(decoding: text, as: UTF8.self)
            case (2, .fixed32(let bits)): result.kind = .scalar(Float(bitPattern: bits))
            case (4, .lengthDelimited(let image)): result.kind = .image(try decodeImage(image))
            case (1, _), (2, _), (4, _):
                throw ProtobufError(offset: 0, reason: "Summary.Value field \(field) has the wrong wire type")
            case (3, _), (5, _), (6, _), (8, _): result.kind = .other  // histograms, audio, tensors
            default: continue
            }
        }
        return result
    }

    private static func decodeImage(_ bytes: ArraySlice<UInt8>) throws(ProtobufError) -> SummaryImage {
        var reader = ProtobufReader(bytes)
        var image = SummaryImage(height: 0, width: 0, colorspace: 0, encodedImage: [])
        while let (field, value) = try reader.next() {
            switch (field, value) {
            case (1, .varint(let raw)): image.height = Int(Int32(truncatingIfNeeded: raw))
            case (2, .varint(let raw)): image.width = Int(Int32(truncatingIfNeeded: raw))
            case (3, .varint(let raw)): image.colorspace = Int(Int32(truncatingIfNeeded: raw))
            case (4, .lengthDelimited(let data)): image.encodedImage = Array(data)
            case (1...4, _): throw ProtobufError(offset: 0, reason: "Summary.Image field \(field) has the wrong wire type")
            default: continue
            }
        }
        return image
    }
}
