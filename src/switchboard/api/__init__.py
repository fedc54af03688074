"""The HTTP edge: tolerant parsing (WIRE.md), authentication, one router per product, rendering."""
