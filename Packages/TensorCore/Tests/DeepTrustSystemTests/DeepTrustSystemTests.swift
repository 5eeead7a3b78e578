import DeepTrustSystem
import Testing

/// A fresh directory under the system's temporary directory, removed with its contents afterwards.
private func withTemporaryDirectory(_ body: (String) throws -> Void) throws {
    var template = Array("\(environmentVariable("TMPDIR") ?? "/tmp")/deeptrust-system-XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    let directory = String(cString: try #require(made))
    defer { removeTree(directory) }
    try body(directory)
}

/// `rm -r path` for the small trees these tests make.
private func removeTree(_ path: String) {
    if let names = try? directoryEntries(atPath: path) {
        for name in names { removeTree(path + "/" + name) }
        rmdir(path)
    } else {
        unlink(path)
    }
}

private func names(in directory: String) -> [String] {
    ((try? directoryEntries(atPath: directory)) ?? []).sorted()
}

private func contents(_ path: String) throws -> [UInt8] {
    let file = try AtomicFile.openForReading(path)
    return try file.read(count: try file.size(), at: 0)
}

@Suite struct EnvironmentAndErrnoTests {
    @Test func readsSetAndUnsetVariables() {
        setenv("DEEPTRUST_SYSTEM_TEST", "value 1", 1)
        #expect(environmentVariable("DEEPTRUST_SYSTEM_TEST") == "value 1")
        unsetenv("DEEPTRUST_SYSTEM_TEST")
        #expect(environmentVariable("DEEPTRUST_SYSTEM_TEST") == nil)
    }

    @Test func namesErrorNumbers() {
        #expect(systemErrorMessage(ENOENT) == "No such file or directory")
        #expect(
            SystemCallError(operation: "open", errno: ENOENT).description
                == "open failed: No such file or directory (errno 2)")
    }
}

@Suite struct MakeDirectoriesTests {
    @Test func createsMissingParentsAndReportsThem() throws {
        try withTemporaryDirectory { root in
            let first = try makeDirectories(atPath: root + "/a/b/c")
            #expect(first == [root + "/a", root + "/a/b", root + "/a/b/c"])
            let again = try makeDirectories(atPath: root + "/a/b/c/")
            #expect(again == [])
            let sibling = try makeDirectories(atPath: root + "/a/b/d")
            #expect(sibling == [root + "/a/b/d"])
        }
    }

    @Test func aFileInTheWayIsNamed() throws {
        try withTemporaryDirectory { root in
            try AtomicFile.replace(root + "/file", with: [1])
            do throws(DirectoryCreationError) {
                try makeDirectories(atPath: root + "/file/below")
                Issue.record("expected a failure")
            } catch {
                #expect(error.path == root + "/file")
                #expect(error.errno == EEXIST)
                #expect(error.reason == "exists and is not a directory")
                #expect(error.created == [])
                #expect(error.description == root + "/file: cannot create it: exists and is not a directory")
            }
        }
    }

    @Test func aRefusedComponentReportsWhatWasCreatedBeforeIt() throws {
        try withTemporaryDirectory { root in
            let long = String(repeating: "n", count: 300)
            do throws(DirectoryCreationError) {
                try makeDirectories(atPath: root + "/made/" + long)
                Issue.record("expected a failure")
            } catch {
                #expect(error.path == root + "/made/" + long)
                #expect(error.errno == ENAMETOOLONG)
                #expect(error.reason == systemErrorMessage(ENAMETOOLONG))
                #expect(error.created == [root + "/made"])
            }
        }
    }
}

@Suite struct AtomicFileTests {
    @Test func replacesAFileAndLeavesNoTemporaryFile() throws {
        try withTemporaryDirectory { root in
            let path = root + "/data.bin"
            try AtomicFile.replace(path, with: [1, 2, 3])
            try AtomicFile.replace(path, with: [4, 5])
            #expect(try contents(path) == [4, 5])
            #expect(names(in: root) == ["data.bin"])
            var info = stat()
            #expect(stat(path, &info) == 0)
            let mask = umask(0)
            umask(mask)
            #expect(info.st_mode & 0o777 == 0o644 & ~mask)
        }
    }

    @Test func aFailingWriterKeepsTheOldFileAndItsOwnError() throws {
        struct Interrupted: Error {}
        try withTemporaryDirectory { root in
            let path = root + "/data.bin"
            try AtomicFile.replace(path, with: [7])
            do throws(AtomicWriteError<Interrupted>) {
                try AtomicFile.replaceAtomically(path) { (_: borrowing AtomicFile.Descriptor) throws(Interrupted) in
                    throw Interrupted()
                }
                Issue.record("expected a failure")
            } catch {
                guard case .body = error else {
                    Issue.record("expected the writer's error, got \(error)")
                    return
                }
            }
            #expect(try contents(path) == [7])
            #expect(names(in: root) == ["data.bin"])
        }
    }

    @Test func aMissingDirectoryNamesTheTemporaryFile() {
        do {
            try AtomicFile.replace("/nonexistent-deeptrust/data.bin", with: [1])
            Issue.record("expected a failure")
        } catch {
            #expect(error.operation.hasPrefix("create /nonexistent-deeptrust/.data.bin.tmp-"))
            #expect(error.path?.hasPrefix("/nonexistent-deeptrust/.data.bin.tmp-") == true)
            #expect(error.errno == ENOENT)
        }
    }

    @Test func splitsPathsIntoDirectoryAndName() {
        #expect(AtomicFile.splitPath("a/b/c.st") == ("a/b", "c.st"))
        #expect(AtomicFile.splitPath("c.st") == (".", "c.st"))
        #expect(AtomicFile.splitPath("/c.st") == ("/", "c.st"))
    }
}

@Suite struct EditDistanceTests {
    @Test func countsInsertionsDeletionsAndSubstitutions() {
        #expect(editDistance("", "abc") == 3)
        #expect(editDistance("abc", "") == 3)
        #expect(editDistance("--epoch", "--epochs") == 1)
        #expect(editDistance("kitten", "sitting") == 3)
        #expect(editDistance("train/loss", "train/loss") == 0)
    }
}

@Suite struct DirectoryEntriesTests {
    @Test func listsFilesAndFoldersButNotDotEntries() throws {
        try withTemporaryDirectory { directory in
            _ = try makeDirectories(atPath: directory + "/sub")
            let file = open(directory + "/a.txt", O_CREAT | O_WRONLY, 0o644)
            #expect(file >= 0)
            close(file)
            #expect(try directoryEntries(atPath: directory).sorted() == ["a.txt", "sub"])
        }
    }

    @Test func aMissingDirectoryNamesTheCallAndErrno() throws {
        #expect(throws: SystemCallError.self) { try directoryEntries(atPath: "/nonexistent-deeptrust-directory") }
        do {
            _ = try directoryEntries(atPath: "/nonexistent-deeptrust-directory")
        } catch {
            #expect(error.operation == "open directory" && error.errno == ENOENT)
        }
    }
}
