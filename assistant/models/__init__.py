"""The background-removal models: the registry (names, files, checksums), installing them, and one
onnxruntime session per model."""
