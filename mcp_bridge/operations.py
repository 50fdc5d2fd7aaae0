"""Every operation of the product, declared once. The console, /mcp and mcp_stdio all read REGISTRY."""

from mcp_bridge.registry import Registry

REGISTRY = Registry([])
