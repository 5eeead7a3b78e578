/// IDX files, MNIST and Fashion-MNIST datasets, the reference transforms, download with checksums.
public enum MNISTData {}
