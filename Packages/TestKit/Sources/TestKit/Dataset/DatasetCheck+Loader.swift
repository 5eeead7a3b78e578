import Data
import TensorCore

/// One batch as the loader check compares it.
struct LoadedBatch {
    var inputs: Tensor
    var labels: [Int]?
}

extension DatasetCheck {
    func checkLoaders(_ split: DatasetSplit, _ subject: DatasetSubject) throws -> CheckResult {
        // TEMPORARY until Data's DataLoader lands.
        throw CheckFailure("DataLoader not available yet")
    }
}
