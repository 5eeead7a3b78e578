// `dev check-imports`: every module a target imports must be one of its declared dependencies —
// a target of its package named in `dependencies`, or a module of a product it names — or a
// toolchain module. SwiftPM's --explicit-target-dependency-import-check only flags imports of
// modules outside the target's transitive closure, so `import Optim` in a target that depends on
// TestKit (which depends on Optim) passes it; this check does not.

import DeepTrustSystem
import Foundation

/// The help of `dev check-imports`.
private let help = """
    Checks that every target imports only what its manifest declares: a target of its package named
    in `dependencies`, a module of a product it names, or a toolchain module (Foundation, Testing, …).
    Stricter than SwiftPM's --explicit-target-dependency-import-check, which lets a target import
    any module of its transitive closure (a consumer that declares TestKit can import Optim unnamed).
    Notes (no failure) list declared products that no file imports.

    Usage: Tools/dev/run check-imports [PACKAGE_DIR...]
      default: the umbrella, every package of Packages/, Tools/dev and every Tests-Integration/Consumers/*/.
    Prints one line per violation ("PACKAGE/TARGET: FILE imports M, which is not a declared
    dependency"); exits 1 when an undeclared import is found.
    """

/// `dev check-imports [PACKAGE_DIR...]`.
func checkImportsCommand(_ arguments: [String]) -> Int32 {
    let spec = CommandLineSpec(
        flags: [],
        positional: CommandLinePositional(
            name: "a package directory", placeholder: "PACKAGE_DIR", value: .text(nonEmpty: true), help: "", many: true))
    let parsed = parseCommandLine(arguments, spec, name: "check-imports", help: help)
    requireSwift("check-imports")
    _ = FileManager.default.changeCurrentDirectoryPath(repositoryRoot)
    let directories = parsed.positionals.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
    return checkImports(in: directories.isEmpty ? defaultImportCheckPackages() : directories)
}

/// The packages checked by default: the umbrella, every package of Packages/, Tools/dev and every
/// consumer of Tests-Integration/Consumers/ (relative to the repository root, the working directory).
func defaultImportCheckPackages() -> [String] {
    ["."] + packageFolders(under: "Packages") + ["Tools/dev"] + packageFolders(under: "Tests-Integration/Consumers")
}

/// Checks the packages in `directories`; prints the violations and notes; 0 when there is none.
func checkImports(in directories: [String]) -> Int32 {
    var violations = 0
    var manifests: [String: [String: Any]] = [:]

    func manifest(at directory: String) throws -> [String: Any] {
        let key = URL(fileURLWithPath: directory).standardizedFileURL.path
        if let cached = manifests[key] { return cached }
        let loaded = try dumpPackage(key)
        manifests[key] = loaded
        return loaded
    }

    for packageDirectory in directories {
        do {
            let package = try manifest(at: packageDirectory)
            let packageName = package["name"] as? String ?? packageDirectory
            // Product modules of each dependency, by the names a product dependency may use for the package.
            var dependencyProducts: [String: [String: [String]]] = [:]
            for dependency in package["dependencies"] as? [[String: Any]] ?? [] {
                guard let fileSystem = (dependency["fileSystem"] as? [[String: Any]])?.first,
                    let path = fileSystem["path"] as? String
                else { continue }
                let dependencyManifest = try manifest(at: inThisRepository(path))
                let products = productModules(dependencyManifest)
                for name in [
                    fileSystem["identity"] as? String, dependencyManifest["name"] as? String,
                    URL(fileURLWithPath: path).lastPathComponent,
                ].compactMap({ $0 }) {
                    dependencyProducts[name] = products
                    dependencyProducts[name.lowercased()] = products
                }
            }
            for target in package["targets"] as? [[String: Any]] ?? [] {
                guard let name = target["name"] as? String, let type = target["type"] as? String,
                    ["regular", "executable", "test"].contains(type)
                else { continue }
                var allowed: Set<String> = [name]
                var declaredProducts: [(product: String, modules: [String])] = []
                for dependency in target["dependencies"] as? [[String: Any]] ?? [] {
                    if let byName = dependency["byName"] as? [Any], let module = byName.first as? String {
                        allowed.insert(module)
                    } else if let local = dependency["target"] as? [Any], let module = local.first as? String {
                        allowed.insert(module)
                    } else if let product = dependency["product"] as? [Any], let productName = product.first as? String {
                        let packageRef = product.count > 1 ? product[1] as? String : nil
                        let modules =
                            packageRef.flatMap {
                                dependencyProducts[$0]?[productName] ?? dependencyProducts[$0.lowercased()]?[productName]
                            }
                            ?? [productName]
                        allowed.formUnion(modules)
                        declaredProducts.append((productName, modules))
                    }
                }
                let defaultRoot = type == "test" ? "Tests" : "Sources"
                let path = (target["path"] as? String) ?? "\(defaultRoot)/\(name)"
                let imported = imports(
                    under: URL(fileURLWithPath: packageDirectory).appendingPathComponent(path).path,
                    excluding: target["exclude"] as? [String] ?? [])
                for (module, file) in imported.sorted(by: { $0.key < $1.key })
                where !allowed.contains(module) && !toolchainModules.contains(module) {
                    print("\(packageName)/\(name): \(path)/\(file) imports \(module), which is not a declared dependency")
                    violations += 1
                }
                for (product, modules) in declaredProducts where !modules.contains(where: { imported[$0] != nil }) {
                    print("note: \(packageName)/\(name) declares product \(product) but no file imports it")
                }
            }
        } catch {
            print("check-imports: \(error)")
            violations += 1
        }
    }
    print("check-imports: \(violations == 0 ? "ok" : "\(violations) undeclared import(s)") in \(directories.count) package(s)")
    return violations == 0 ? 0 : 1
}

/// Modules of the toolchain and the C library, importable by any target without a declaration.
private let toolchainModules: Set<String> = [
    "Swift", "_Concurrency", "_StringProcessing", "_Differentiation", "RegexBuilder", "Observation",
    "Distributed", "Synchronization", "Foundation", "FoundationEssentials", "FoundationInternationalization",
    "FoundationNetworking", "FoundationXML", "CoreFoundation", "Dispatch", "Glibc", "Musl", "Darwin",
    "Android", "WinSDK", "ucrt", "CRT", "XCTest", "Testing", "Cxx", "CxxStdlib", "SwiftShims", "os",
]

private struct Failure: Error, CustomStringConvertible {
    let description: String
}

/// `swift package dump-package` of the package in `directory`, as JSON.
private func dumpPackage(_ directory: String) throws -> [String: Any] {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["swift", "package", "--package-path", directory, "dump-package"]
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    guard process.terminationStatus == 0, let json = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
        throw Failure(description: "\(directory): swift package dump-package failed: \(errorText)")
    }
    return json
}

/// The module names each product of a package consists of, by product name.
private func productModules(_ manifest: [String: Any]) -> [String: [String]] {
    var result: [String: [String]] = [:]
    for product in manifest["products"] as? [[String: Any]] ?? [] {
        if let name = product["name"] as? String { result[name] = product["targets"] as? [String] ?? [] }
    }
    return result
}

/// The modules imported by the Swift files under `directory` (`import M`, `@testable import M`,
/// `import struct M.T`, …), each with the first file that imports it. Skips the `excluded` paths
/// (relative to `directory`), hidden folders (build folders) and nested packages.
private func imports(under directory: String, excluding excluded: [String]) -> [String: String] {
    var found: [String: String] = [:]
    guard let walker = FileManager.default.enumerator(atPath: directory) else { return found }
    let pattern = try! NSRegularExpression(
        pattern:
            #"^\s*(?:@[A-Za-z_]+(?:\([^)]*\))?\s+)*import\s+(?:(?:typealias|struct|class|enum|protocol|let|var|func)\s+)?([A-Za-z_][A-Za-z0-9_]*)"#
    )
    for case let relative as String in walker {
        let name = (relative as NSString).lastPathComponent
        let isExcluded = excluded.contains { relative == $0 || relative.hasPrefix($0 + "/") }
        if name.hasPrefix(".") || isExcluded
            || FileManager.default.fileExists(atPath: directory + "/" + relative + "/Package.swift")
        {
            walker.skipDescendants()
            continue
        }
        guard relative.hasSuffix(".swift") else { continue }
        guard let text = try? String(contentsOfFile: directory + "/" + relative, encoding: .utf8) else { continue }
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = String(line)
            let range = NSRange(line.startIndex..., in: line)
            guard let match = pattern.firstMatch(in: line, range: range),
                let moduleRange = Range(match.range(at: 1), in: line)
            else { continue }
            let module = String(line[moduleRange])
            if found[module] == nil { found[module] = relative }
        }
    }
    return found
}

/// `path` with a `…/Vendor/DeepTrust/` prefix (a consumer that has DeepTrust as a git submodule,
/// as README tells users) read from this repository instead, which is what that submodule holds.
private func inThisRepository(_ path: String) -> String {
    guard let range = path.range(of: "/Vendor/DeepTrust/") else { return path }
    return repositoryRoot + "/" + path[range.upperBound...]
}
