/// Reusable checks for datasets, models and trainers.
public enum TestKit {}
