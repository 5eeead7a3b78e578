/// Describes a published image/label dataset stored as four IDX files (MNIST and its relatives):
/// the file names per split, their checksums, where to download them, where to look for them
/// locally, and what the images must look like.
public struct IDXCollection: Sendable, Hashable {
    /// One file of the collection.
    public struct File: Sendable, Hashable {
        /// Name without the `.gz` extension, e.g. `train-images-idx3-ubyte`. A directory may hold
        /// the file under this name (raw) or with `.gz` appended (compressed).
        public var name: String
        /// SHA-256 of the decompressed content (64 lower-case hex digits), checked on download;
        /// nil where no digest is pinned, and then a download is accepted once it parses as an
        /// IDX file of the right type and shape.
        public var sha256: String?

        /// A file named `name` (without `.gz`) with its digest, or `nil` for none.
        public init(name: String, sha256: String?) {
            self.name = name
            self.sha256 = sha256
        }
    }

    /// Human-readable name used in messages, e.g. `"MNIST"`.
    public var name: String
    /// Environment variable naming the directory that holds the files, e.g. `MNIST_DIR`.
    public var directoryVariable: String
    /// Folder under the per-user cache directory (`$XDG_CACHE_HOME/deeptrust/<folder>` or
    /// `~/.cache/deeptrust/<folder>`).
    public var cacheFolder: String
    /// Base URLs ending in `/`, tried in order; a file is fetched as `<mirror><name>.gz`.
    public var mirrors: [String]
    /// Size every image must have, or nil to accept any.
    public var imageHeight: Int?, imageWidth: Int?
    /// Number of classes (labels must be `0..<classCount`), or nil to accept any label.
    public var classCount: Int?
    /// The four files: training images `[count, H, W]` and labels `[count]`, then the same for the test split.
    public var trainImages: File, trainLabels: File, testImages: File, testLabels: File

    /// A collection from its parts (see the properties); ``mnist`` and ``fashionMNIST`` are the built-in ones.
    public init(
        name: String, directoryVariable: String, cacheFolder: String, mirrors: [String],
        imageHeight: Int?, imageWidth: Int?, classCount: Int?,
        trainImages: File, trainLabels: File, testImages: File, testLabels: File
    ) {
        self.name = name
        self.directoryVariable = directoryVariable
        self.cacheFolder = cacheFolder
        self.mirrors = mirrors
        self.imageHeight = imageHeight
        self.imageWidth = imageWidth
        self.classCount = classCount
        self.trainImages = trainImages
        self.trainLabels = trainLabels
        self.testImages = testImages
        self.testLabels = testLabels
    }

    /// The image and label files of `split`.
    public func files(for split: MNIST.Split) -> (images: File, labels: File) {
        switch split {
        case .train: return (trainImages, trainLabels)
        case .test: return (testImages, testLabels)
        }
    }

    /// All four files, train first.
    public var allFiles: [File] { [trainImages, trainLabels, testImages, testLabels] }

    /// LeCun et al.'s handwritten digits: 60,000 training and 10,000 test images of 28×28, labels 0–9.
    /// Mirrors: the PyTorch project's S3 copy (torchvision's first choice), Google's CVDF copy
    /// (TensorFlow's), and the original site. Digests: SHA-256 of the decompressed files.
    public static let mnist = IDXCollection(
        name: "MNIST", directoryVariable: "MNIST_DIR", cacheFolder: "mnist",
        mirrors: [
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
            "http://yann.lecun.com/exdb/mnist/",
        ],
        imageHeight: 28, imageWidth: 28, classCount: 10,
        trainImages: File(
            name: "train-images-idx3-ubyte",
            sha256: "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
        trainLabels: File(
            name: "train-labels-idx1-ubyte",
            sha256: "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
        testImages: File(
            name: "t10k-images-idx3-ubyte",
            sha256: "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
        testLabels: File(
            name: "t10k-labels-idx1-ubyte",
            sha256: "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"))

    /// Zalando's Fashion-MNIST: the same format, sizes and file names as MNIST (10 clothing classes).
    /// Looked up in `FASHION_MNIST_DIR`. No SHA-256 digests are pinned for it, so a download is
    /// checked for being a well-formed 28×28 uint8 IDX file with valid labels only.
    public static let fashionMNIST = IDXCollection(
        name: "Fashion-MNIST", directoryVariable: "FASHION_MNIST_DIR", cacheFolder: "fashion-mnist",
        mirrors: ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"],
        imageHeight: 28, imageWidth: 28, classCount: 10,
        trainImages: File(name: "train-images-idx3-ubyte", sha256: nil),
        trainLabels: File(name: "train-labels-idx1-ubyte", sha256: nil),
        testImages: File(name: "t10k-images-idx3-ubyte", sha256: nil),
        testLabels: File(name: "t10k-labels-idx1-ubyte", sha256: nil))
}
