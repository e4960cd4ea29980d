import ONNXImport
