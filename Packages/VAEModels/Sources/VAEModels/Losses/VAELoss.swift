import TensorCore

/// The reference VAE loss (github.com/tilman151/unittest_dl): sums over the whole batch, not means.
public enum VAELoss {
    /// Sum of squared errors over every element of the batch: `Σ (reconstruction − target)²`.
    /// Both tensors have the same shape `[N, C, H, W]`; the result is a scalar tensor.
    public static func reconstruction(_ reconstruction: Tensor, target: Tensor) -> Tensor {
        let difference = reconstruction - target
        return (difference * difference).sum()
    }

    /// KL divergence of `N(mu, exp(logSigma)²)` from `N(0, 1)`, summed over the batch and latent
    /// dimensions: `0.5 · Σ (exp(2·logSigma) + mu² − 1 − 2·logSigma)`. Shapes `[N, d]`; a scalar tensor.
    public static func klDivergence(mu: Tensor, logSigma: Tensor) -> Tensor {
        let twoLogSigma = logSigma * 2
        return ((twoLogSigma.exp() + mu * mu - 1 - twoLogSigma).sum()) * 0.5
    }

    /// The three loss terms of one forward pass.
    public struct Terms: Sendable {
        /// Σ squared error over the batch, a scalar tensor.
        public var reconstruction: Tensor
        /// KL divergence summed over batch and latent dimensions, a scalar tensor.
        public var kl: Tensor
        /// `reconstruction + kl`, what training minimises.
        public var total: Tensor
    }

    /// Reconstruction, KL and their sum for `output` against `target`.
    public static func terms(_ output: VAEOutput, target: Tensor) -> Terms {
        let recon = reconstruction(output.reconstruction, target: target)
        let kl = klDivergence(mu: output.mu, logSigma: output.logSigma)
        return Terms(reconstruction: recon, kl: kl, total: recon + kl)
    }
}
