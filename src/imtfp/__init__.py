"""imtfp: intelligent manufacturing, coupling coordination and TFP for Chinese provincial panels."""

__version__ = "0.1.0"
