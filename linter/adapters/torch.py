"""PyTorch."""

ALIASES = {
    "torch.nn.modules.module.Module": "torch.nn.Module",
    "torch.nn.parallel.data_parallel.DataParallel": "torch.nn.DataParallel",
    "torch.nn.parallel.distributed.DistributedDataParallel": "torch.nn.parallel.DistributedDataParallel",
    "torch.nn.DistributedDataParallel": "torch.nn.parallel.DistributedDataParallel",
    "torch.nn.parallel.DataParallel": "torch.nn.DataParallel",
}

# Bytes whose presence makes a file worth parsing (the prefilter).
MARKERS = (b"torch",)

ROLES = {
    "model-base": ["torch.nn.Module", "torch.nn.Sequential", "torch.nn.ModuleList", "torch.nn.ModuleDict"],
    "model-factory": ["torch.hub.load", "torch.nn.Sequential", "torch.jit.load"],
    "model-wrapper": [
        "torch.nn.DataParallel",
        "torch.nn.parallel.DistributedDataParallel",
        "torch.compile",
        "torch.jit.script",
        "torch.jit.trace",
        "torch.distributed.fsdp.FullyShardedDataParallel",
        "torch.ao.quantization.quantize_dynamic",
        "torch.quantization.quantize_dynamic",
    ],
    "functional-dropout": [
        "torch.nn.functional.dropout",
        "torch.nn.functional.dropout1d",
        "torch.nn.functional.dropout2d",
        "torch.nn.functional.dropout3d",
    ],
    "functional-dropout-off-by-default": [
        "torch.nn.functional.alpha_dropout",
        "torch.nn.functional.feature_alpha_dropout",
    ],
    "attention-dropout": ["torch.nn.functional.scaled_dot_product_attention"],
    "grad-off": ["torch.no_grad", "torch.inference_mode", "torch.autograd.no_grad",
                 "torch.autograd.grad_mode.no_grad", "torch.autograd.grad_mode.inference_mode"],
    "grad-on": ["torch.enable_grad", "torch.autograd.enable_grad", "torch.autograd.grad_mode.enable_grad"],
    "grad-set": ["torch.set_grad_enabled", "torch.autograd.set_grad_enabled",
                 "torch.autograd.grad_mode.set_grad_enabled"],
    "training-step": ["torch.autograd.backward", "torch.autograd.grad"],
    "weights-load": ["torch.load", "torch.jit.load", "safetensors.torch.load_file", "safetensors.torch.load_model"],
}

METHODS = {
    "training-step": ["backward"],
    "optimizer-step": ["step", "zero_grad"],
    "weights-load": ["load_state_dict", "load_checkpoint"],
    "forward": ["forward"],
}
