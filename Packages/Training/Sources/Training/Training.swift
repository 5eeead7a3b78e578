/// The VAE trainer, TensorBoard event files, safetensors checkpoints and progress reporting.
public enum Training {}
