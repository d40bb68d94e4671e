"""coursekit: the small library behind the network-compression course notebooks."""

from .compressed import load_compressed, save_compressed  # Deep Compression's file format
from .i18n import message, set_language  # the language of what coursekit prints: "en" (default) or "ru"

__all__ = ["load_compressed", "message", "save_compressed", "set_language"]
