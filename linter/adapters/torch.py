"""PyTorch."""

ALIASES = {
    "torch.nn.modules.module.Module": "torch.nn.Module",
    "torch.nn.parallel.data_parallel.DataParallel": "torch.nn.DataParallel",
    "torch.nn.parallel.distributed.DistributedDataParallel": "torch.nn.parallel.DistributedDataParallel",
    "torch.nn.DistributedDataParallel": "torch.nn.parallel.DistributedDataParallel",
    "torch.nn.parallel.DataParallel": "torch.nn.DataParallel",
}

# Bytes whose presence makes a file worth parsing (the prefilter).
# `.eval()`: a trainer module that imports no torch itself but switches a model it is given.
MARKERS = (b"torch", b".eval()")

ROLES = {
    "model-base": ["torch.nn.Module", "torch.nn.Sequential", "torch.nn.ModuleList", "torch.nn.ModuleDict"],
    "model-factory": ["torch.hub.load", "torch.nn.Sequential", "torch.jit.load"],
    "pretrained-factory": ["torch.hub.load", "torch.jit.load"],
    "static-shapes": ["torch_xla", "torch_xla.*"],
    # Layers whose output does not depend on the mode (no dropout, no running statistics).
    "mode-free-layer": [
        "torch.nn.Linear", "torch.nn.Bilinear", "torch.nn.Conv1d", "torch.nn.Conv2d", "torch.nn.Conv3d",
        "torch.nn.ConvTranspose1d", "torch.nn.ConvTranspose2d", "torch.nn.ConvTranspose3d", "torch.nn.Embedding",
        "torch.nn.EmbeddingBag", "torch.nn.LayerNorm", "torch.nn.GroupNorm", "torch.nn.RMSNorm", "torch.nn.Flatten",
        "torch.nn.Unflatten", "torch.nn.Identity", "torch.nn.ReLU", "torch.nn.ReLU6", "torch.nn.LeakyReLU",
        "torch.nn.PReLU", "torch.nn.ELU", "torch.nn.SELU", "torch.nn.CELU", "torch.nn.GELU", "torch.nn.SiLU",
        "torch.nn.Mish", "torch.nn.Sigmoid", "torch.nn.Tanh", "torch.nn.Softmax", "torch.nn.LogSoftmax",
        "torch.nn.Softplus", "torch.nn.Hardswish", "torch.nn.Hardtanh", "torch.nn.MaxPool1d", "torch.nn.MaxPool2d",
        "torch.nn.MaxPool3d", "torch.nn.AvgPool1d", "torch.nn.AvgPool2d", "torch.nn.AvgPool3d",
        "torch.nn.AdaptiveAvgPool1d", "torch.nn.AdaptiveAvgPool2d", "torch.nn.AdaptiveAvgPool3d",
        "torch.nn.AdaptiveMaxPool1d", "torch.nn.AdaptiveMaxPool2d", "torch.nn.AdaptiveMaxPool3d",
        "torch.nn.Upsample", "torch.nn.PixelShuffle", "torch.nn.PixelUnshuffle", "torch.nn.ZeroPad2d",
        "torch.nn.ReflectionPad2d", "torch.nn.ReplicationPad2d", "torch.nn.ConstantPad2d", "torch.nn.ModuleList",
        "torch.nn.ModuleDict", "torch.nn.Parameter", "torch.nn.ParameterList",
        "torch.nn.LazyLinear", "torch.nn.LazyConv1d", "torch.nn.LazyConv2d", "torch.nn.LazyConv3d",
        "torch.nn.LazyConvTranspose1d", "torch.nn.LazyConvTranspose2d", "torch.nn.LazyConvTranspose3d",
        "torch.nn.GLU", "torch.nn.Hardsigmoid", "torch.nn.LogSigmoid", "torch.nn.Softsign", "torch.nn.Softmin",
        "torch.nn.Softmax2d", "torch.nn.Tanhshrink", "torch.nn.Threshold", "torch.nn.ZeroPad1d",
        "torch.nn.ZeroPad3d", "torch.nn.ReflectionPad1d", "torch.nn.ReflectionPad3d", "torch.nn.ReplicationPad1d",
        "torch.nn.ReplicationPad3d", "torch.nn.ConstantPad1d", "torch.nn.ConstantPad3d",
        "torch.nn.UpsamplingNearest2d", "torch.nn.UpsamplingBilinear2d", "torch.nn.Fold", "torch.nn.Unfold",
        "torch.nn.ChannelShuffle", "torch.nn.CosineSimilarity", "torch.nn.PairwiseDistance",
        "torch.nn.RNNCell", "torch.nn.LSTMCell", "torch.nn.GRUCell",  # cells take no `dropout`
        "torch.nn.Module",  # an empty container (its layers are calls of their own)
    ],
    "tensor-constructor": [
        "torch.autograd.Variable", "torch.Tensor", "torch.FloatTensor", "torch.DoubleTensor", "torch.HalfTensor",
        "torch.LongTensor", "torch.IntTensor", "torch.BoolTensor", "torch.ByteTensor",
        "torch.cuda.FloatTensor", "torch.cuda.LongTensor",
        "torch.nn.init.*",  # initializers fill tensors in place
        "torch.nn.utils.rnn.*", "torch.nn.utils.clip_grad_norm_", "torch.nn.utils.clip_grad_value_",
        "torch.distributions.*",  # distributions to sample from, not layers
    ],
    # Built-in modules made of submodules: setting `.training` on one misses its children.
    "composite-layer": ["torch.nn.Sequential", "torch.nn.ModuleList", "torch.nn.ModuleDict", "torch.nn.Module",
                        "torch.nn.Transformer", "torch.nn.TransformerEncoder", "torch.nn.TransformerDecoder",
                        "torch.nn.TransformerEncoderLayer", "torch.nn.TransformerDecoderLayer",
                        "torch.nn.MultiheadAttention"],
    # Recurrent layers: mode-free unless built with `dropout=`.
    "recurrent-layer": ["torch.nn.RNN", "torch.nn.LSTM", "torch.nn.GRU"],
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
    "dropout-layer": [
        "torch.nn.Dropout", "torch.nn.Dropout1d", "torch.nn.Dropout2d", "torch.nn.Dropout3d", "torch.nn.AlphaDropout",
        "torch.nn.FeatureAlphaDropout", "torch.nn.modules.dropout._DropoutNd",
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
    "random-api": ["torch.rand", "torch.randn", "torch.randint", "torch.randperm", "torch.rand_like",
                   "torch.randn_like", "torch.randint_like", "torch.bernoulli", "torch.normal", "torch.multinomial"],
    "loader": ["torch.utils.data.DataLoader"],
    "split": ["torch.utils.data.random_split", "torch.utils.data.Subset", "torch.utils.data.dataset.Subset",
              "torch.utils.data.dataset.random_split"],
    "weights-load": ["torch.load", "torch.jit.load", "safetensors.torch.load_file", "safetensors.torch.load_model"],
}

METHODS = {
    "training-step": ["backward"],
    "optimizer-step": ["step", "zero_grad"],
    "weights-load": ["load_state_dict", "load_checkpoint"],
    "forward": ["forward"],
}
