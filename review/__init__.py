"""review: rapid evidence reviews of UK policy, from search to synthesis."""

__version__ = "0.1.0"
