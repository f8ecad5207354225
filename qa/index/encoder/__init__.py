"""The embedding model: the packaged weights (`model`), their ONNX export (`onnx_export`), texts to vectors (`encode`)."""
