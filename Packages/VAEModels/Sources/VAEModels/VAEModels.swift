/// The VAE protocol and the reference MLPVAE and CNNVAE models.
public enum VAEModels {}
