"""Export trained networks for runtimes other than PyTorch."""

from findeep.export.onnx import export_bundle, export_onnx, onnx_inputs

__all__ = ["export_bundle", "export_onnx", "onnx_inputs"]
