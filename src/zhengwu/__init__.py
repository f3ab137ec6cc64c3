"""zhengwu (政务): a county government-service and data-governance platform."""

__version__ = "0.1.0"
