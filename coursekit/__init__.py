"""coursekit: the small library behind the network-compression course notebooks."""

from .compressed import load_compressed, save_compressed  # Deep Compression's file format

__all__ = ["load_compressed", "save_compressed"]
