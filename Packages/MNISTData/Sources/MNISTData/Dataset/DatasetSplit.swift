/// Which half of a dataset: the training or the test images.
public enum DatasetSplit: String, Sendable, Hashable, CaseIterable {
    case train
    case test
}
