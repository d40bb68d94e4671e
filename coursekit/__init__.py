"""coursekit: the small library behind the network-compression course notebooks."""

from .compressed import load_compressed, save_compressed  # noqa: E402  (Deep Compression's file)
