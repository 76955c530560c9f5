"""The package version, in a module of its own so any layer can read it without importing
the package facade (``findeep/__init__.py`` names every public class)."""

__version__ = "0.1.0"
