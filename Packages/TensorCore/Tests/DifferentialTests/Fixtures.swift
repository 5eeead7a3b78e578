import Foundation
import TensorCoreTesting

/// The differential fixtures of Fixtures/ (written by Tools/python/fixtures/make_differential_fixtures.py),
/// read once with Foundation's JSON decoder; TensorCoreTesting turns them into cases.
enum Fixtures {
    /// The TensorCore package root: this file is Tests/DifferentialTests/Fixtures.swift in it.
    static let packageRoot =
        String(#filePath).split(separator: "/", omittingEmptySubsequences: false).dropLast(3).joined(separator: "/")

    /// The cases of every family, or the reason a file could not be read.
    static let cases = DifferentialFixtures.load(packageRoot: packageRoot) { path in
        try JSONDecoder().decode(DifferentialJSON.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
