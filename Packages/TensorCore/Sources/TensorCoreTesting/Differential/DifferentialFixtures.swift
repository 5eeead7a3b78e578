// Where the differential fixtures live and how their cases are read.

/// The fixture files of the differential suite, one per family, and how to read them.
///
/// The files live in TensorCore's source tree at ``pathInPackage`` (they are no resource of any
/// product). A test finds them from its own source file: TensorCore's tests take the package root
/// from `#filePath`; another package's tests reach TensorCore beside their own package, for example
/// from `Packages/CUDABackend/Tests/CUDABackendTests/X.swift`:
///
/// ```swift
/// let packages = String(#filePath).split(separator: "/", omittingEmptySubsequences: false)
///     .dropLast(4).joined(separator: "/")
/// let cases = DifferentialFixtures.load(packageRoot: packages + "/TensorCore") { path in
///     try JSONDecoder().decode(DifferentialJSON.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
/// }
/// ```
public enum DifferentialFixtures {
    /// The families, in the order the suite runs them; each is a file `<family>.json`.
    public static let families = ["elementwise", "reduce", "linalg", "conv", "views", "nn", "optim", "empty", "large"]

    /// The fixtures' folder relative to the TensorCore package root.
    public static let pathInPackage = "Tests/DifferentialTests/Fixtures"

    /// The path of `family`'s file, given the path of the TensorCore package root.
    public static func path(of family: String, packageRoot: String) -> String {
        "\(packageRoot)/\(pathInPackage)/\(family).json"
    }

    /// The cases of a decoded fixture file (an object whose `cases` list holds the case objects).
    ///
    /// - Throws: ``DifferentialFixtureError`` naming `file` when there is no case list or a case is
    ///   malformed.
    public static func cases(
        of family: String, decodedFrom root: DifferentialJSON, file: String
    ) throws(DifferentialFixtureError) -> [DifferentialCase] {
        guard case .object(let fields) = root, let list = fields["cases"]?.array else {
            throw DifferentialFixtureError(message: "\(file): no case list")
        }
        let cases = list.compactMap { DifferentialCase($0, family: family) }
        guard cases.count == list.count else {
            throw DifferentialFixtureError(message: "\(file): \(list.count - cases.count) malformed cases")
        }
        return cases
    }

    /// The cases of every family, or for each family the reason its file could not be used.
    ///
    /// - Parameters:
    ///   - packageRoot: the path of the TensorCore package root.
    ///   - decode: reads and decodes the JSON file at the path it is given (a test target does this
    ///     with Foundation); what it throws becomes the family's ``DifferentialFixtureError``.
    public static func load(
        packageRoot: String, decode: (_ path: String) throws -> DifferentialJSON
    ) -> [String: Result<[DifferentialCase], DifferentialFixtureError>] {
        var all: [String: Result<[DifferentialCase], DifferentialFixtureError>] = [:]
        for family in families {
            let file = path(of: family, packageRoot: packageRoot)
            all[family] = Result { () throws(DifferentialFixtureError) -> [DifferentialCase] in
                let root: DifferentialJSON
                do {
                    root = try decode(file)
                } catch {
                    throw DifferentialFixtureError(message: "\(file): \(error)")
                }
                return try cases(of: family, decodedFrom: root, file: file)
            }
        }
        return all
    }
}

/// Why a fixture file could not be used; the message names the file.
public struct DifferentialFixtureError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, starting with the file's path.
    public let message: String
    /// The ``message``.
    public var description: String { message }
}
