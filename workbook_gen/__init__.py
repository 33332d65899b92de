"""workbook-gen: a live SaaS metrics workbook from four monthly inputs."""

__version__ = "0.1.0"
