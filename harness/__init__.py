"""Local AWS-faithful emulation and tenant-isolation test harness."""

__version__ = "0.1.0"
